"""The faust app is wired to avoid faust-streaming's known pitfalls (see docs/decisions.md)."""

from __future__ import annotations

from services.processor.app import create_app
from services.processor.settings import ProcessorSettings


def test_agents_read_raw_bytes_one_message_at_a_time_with_at_least_once_delivery():
    app = create_app(ProcessorSettings(topic_partitions=3))
    assert app.conf.processing_guarantee.value == "at_least_once"
    inputs = {agent.name: agent.channel.topics for agent in app.agents.values()}
    assert inputs == {"clean": ("news.raw",), "group": ("news.clean",), "enrich": ("news.grouped",)}
    for agent in app.agents.values():
        assert agent.concurrency == 1, "more than one actor per agent can commit past unfinished messages"
        assert agent.channel.value_serializer == "raw", "a value faust fails to deserialise is silently dropped"


def test_the_group_state_is_not_kept_in_faust_tables():
    """faust-streaming's table recovery can skip articles arriving while a worker starts (docs/decisions.md)."""
    app = create_app(ProcessorSettings(topic_partitions=3))
    assert list(app.tables.values()) == []


def test_the_group_state_changelog_is_named_after_the_app():
    assert ProcessorSettings(processor_app_id="nf").group_changelog == "nf-group-state-changelog"
