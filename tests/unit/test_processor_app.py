"""The faust app is wired to avoid faust-streaming's known pitfalls (see docs/decisions.md)."""

from __future__ import annotations

from services.processor.app import create_app
from services.processor.settings import ProcessorSettings


def test_agents_read_raw_bytes_one_message_at_a_time_with_at_least_once_delivery():
    app = create_app(ProcessorSettings(topic_partitions=3))
    assert app.conf.processing_guarantee.value == "at_least_once"
    inputs = {agent.name: agent.channel.topics for agent in app.agents.values()}
    assert inputs == {"clean": ("news.raw",), "enrich": ("news.clean",)}
    for agent in app.agents.values():
        assert agent.concurrency == 1, "more than one actor per agent can commit past unfinished messages"
        assert agent.channel.value_serializer == "raw", "a value faust fails to deserialise is silently dropped"


def test_learned_state_is_not_kept_in_faust_tables():
    """faust-streaming's global-table recovery can skip articles arriving while a worker starts."""
    app = create_app(ProcessorSettings(topic_partitions=3))
    assert list(app.tables.values()) == []


def test_learned_state_changelogs_are_compacted_topics_named_after_the_app():
    settings = ProcessorSettings(processor_app_id="nf")
    assert settings.changelog_topics() == {
        "nf-boilerplate-changelog": {"cleanup.policy": "compact"},
        "nf-signatures-changelog": {"cleanup.policy": "compact"},
    }


def test_a_worker_can_run_one_stage_so_clean_and_enrich_scale_separately():
    only_enrich = create_app(ProcessorSettings(processor_stages="enrich"))
    assert [agent.name for agent in only_enrich.agents.values()] == ["enrich"]
    only_clean = create_app(ProcessorSettings(processor_stages="clean"))
    assert [agent.name for agent in only_clean.agents.values()] == ["clean"]
