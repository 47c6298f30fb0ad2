"""Each processor agent alone, without faust or a broker: what goes out, where, keyed how, in which order."""

from __future__ import annotations

import asyncio
import json

import pytest

from schemas import CleanArticle, DeadLetter, EnrichedArticle, RawArticle, Stage, decode, encode
from schemas.codec import MessageOrigin
from services.common.topology import route
from services.processor.agents.clean import CleanAgent
from services.processor.agents.enrich import EnrichAgent
from services.processor.agents.group import GroupAgent
from services.processor.clean import clean
from services.processor.outputs import Outputs
from services.processor.replicated import PartitionState, decode_key
from services.processor.settings import ProcessorSettings
from tests.conftest import SAMPLES

SETTINGS = ProcessorSettings()
STORY = "Rescue teams searched the hills north of the capital for survivors of the landslide. " * 6


class Sent(list[tuple[str, bytes | None, bytes | None]]):
    """Every message an agent sent, in order: (topic, key, value)."""

    async def send(self, topic: str, key: bytes | None, value: bytes) -> None:
        self.append((topic, key, value))

    async def send_change(self, topic: str, key: bytes, value: bytes | None, partition: int) -> None:
        self.append((topic, key, value))
        self.partitions.append(partition)

    def __init__(self) -> None:
        super().__init__()
        self.partitions: list[int] = []

    def topics(self) -> list[str]:
        return [topic for topic, _, _ in self]


def _origin(offset: int) -> MessageOrigin:
    return MessageOrigin(source_topic=SETTINGS.topic_raw, partition=0, offset=offset, key=f"k{offset}")


def _raw(url: str, text: str = STORY) -> bytes:
    return encode(RawArticle(url=url, title="Landslide", text=text))


@pytest.fixture
def sent() -> Sent:
    return Sent()


@pytest.fixture
def clean_agent(sent: Sent) -> CleanAgent:
    return CleanAgent(route(SETTINGS, Stage.CLEAN), Outputs(sent.send, SETTINGS.topic_dlq))


def test_a_raw_article_goes_to_news_clean_keyed_by_its_language_and_nothing_else_goes_out(clean_agent, sent):
    outcome = asyncio.run(clean_agent.handle(_raw("https://wire.example/a"), _origin(0), b"k0"))
    assert isinstance(outcome, CleanArticle)
    assert [(topic, key) for topic, key, _ in sent] == [(SETTINGS.topic_clean, b"en")]
    assert decode(CleanArticle, sent[0][2]).body == outcome.body


class Changelog:
    """What the group agent restores a partition from: the changes it sent, per partition."""

    def __init__(self, sent: Sent) -> None:
        self.sent = sent
        self.restored: list[int] = []

    def restore(self, partition: int) -> PartitionState:
        self.restored.append(partition)
        state = PartitionState(partition)
        for (_, key, value), at in zip(
            [m for m in self.sent if m[0] == SETTINGS.group_changelog], self.sent.partitions, strict=True
        ):
            if at == partition:
                state.apply(decode_key(key), value)
        return state


@pytest.fixture
def group_agent(sent: Sent) -> GroupAgent:
    changelog = Changelog(sent)
    return GroupAgent(
        route(SETTINGS, Stage.GROUP),
        Outputs(sent.send, SETTINGS.topic_dlq),
        SETTINGS.group_settings(),
        changelog=SETTINGS.group_changelog,
        restore=changelog.restore,
        send_change=sent.send_change,
    )


def _cleaned(url: str, partition: int, offset: int) -> tuple[bytes, MessageOrigin]:
    where = MessageOrigin(source_topic=SETTINGS.topic_clean, partition=partition, offset=offset, key="en")
    return encode(clean(RawArticle(url=url, title="Landslide", text=STORY))), where


def test_the_group_agent_sends_its_state_changes_to_the_partition_s_changelog_before_the_article(group_agent, sent):
    outcome = asyncio.run(group_agent.handle(*_cleaned("https://wire.example/a", 2, 0), b"en"))
    topics = sent.topics()
    assert topics[-1] == SETTINGS.topic_grouped and sent[-1][1] == outcome.article.id.encode()
    assert set(topics[:-1]) == {SETTINGS.group_changelog} and set(sent.partitions) == {2}


def test_a_copy_under_another_url_is_marked_as_a_duplicate_of_the_first(group_agent, sent):
    first = asyncio.run(group_agent.handle(*_cleaned("https://wire.example/a", 0, 0), b"en"))
    copy = asyncio.run(group_agent.handle(*_cleaned("https://mirror.example/a", 0, 1), b"en"))
    assert copy.article.duplicate_of == first.article.id and first.article.duplicate_of is None


def test_a_partition_handed_back_after_a_rebalance_is_restored_from_its_changelog(group_agent, sent):
    first = asyncio.run(group_agent.handle(*_cleaned("https://wire.example/a", 1, 0), b"en"))
    group_agent.revoke([1])
    copy = asyncio.run(group_agent.handle(*_cleaned("https://mirror.example/a", 1, 1), b"en"))
    assert group_agent.restore.__self__.restored == [1, 1]
    assert copy.article.duplicate_of == first.article.id


def test_an_invalid_message_becomes_a_dead_letter_keyed_as_it_came_and_nothing_else_goes_out(clean_agent, sent):
    outcome = asyncio.run(clean_agent.handle(b'{"url": "not a url"}', _origin(7), b"k7"))
    assert isinstance(outcome, DeadLetter)
    assert [(topic, key) for topic, key, _ in sent] == [(SETTINGS.topic_dlq, b"k7")]
    letter = decode(DeadLetter, sent[0][2])
    assert letter.stage == "clean" and letter.offset == 7 and letter.error_class == "InvalidMessage"


def test_the_enrich_agent_sends_each_article_to_news_enriched_and_its_topic_streams_in_input_order(sent):
    agent = EnrichAgent(
        route(SETTINGS, Stage.ENRICH),
        Outputs(sent.send, SETTINGS.topic_dlq),
        model=SETTINGS.enrich_model,
        streams=ProcessorSettings(topic_subscription_prefix="t."),
        subscription_threshold=SETTINGS.enrich_subscription_threshold,
    )
    seed = clean(next(iter(_seed_raws())))
    values: list[bytes | None] = [encode(seed), b"\xff not json", encode(seed.model_copy(update={"id": "b" * 32}))]
    outcomes = asyncio.run(agent.handle(values, [_origin(n) for n in range(3)], [b"k0", b"k1", b"k2"]))
    assert [type(outcome) for outcome in outcomes] == [EnrichedArticle, DeadLetter, EnrichedArticle]
    keys = [key for _, key, _ in sent]
    # The first article's messages, then the dead letter keyed as its message came, then the second article's.
    owners = [{seed.id.encode(): "first", b"k1": "letter", b"b" * 32: "second"}[key] for key in keys]
    assert [owner for n, owner in enumerate(owners) if n == 0 or owners[n - 1] != owner] == [
        "first",
        "letter",
        "second",
    ]
    first = [topic for topic, key, _ in sent if key == seed.id.encode()]
    assert first[0] == SETTINGS.topic_enriched
    assert "t.conflict-war-and-peace" in first, "the seed story names its conflict beat"
    assert first[1:] == agent.streams_of(outcomes[0])
    assert json.loads(sent[keys.index(b"k1")][2])["stage"] == "enrich"


def _seed_raws() -> list[CleanArticle]:
    from services.fetcher.inputs import read_file

    return [item for path in sorted(SAMPLES.glob("*.txt")) for item in read_file(path)]  # type: ignore[misc]


def test_a_partition_whose_changelog_cannot_be_read_yet_is_retried_and_its_article_waits(
    group_agent, sent, monkeypatch
):
    """A broker down or restarting: the article is judged once the state is back, never skipped."""
    import services.processor.agents.group as group

    monkeypatch.setattr(group, "RETRY_FIRST_S", 0.01)
    restore, failures = group_agent.restore, []

    def flaky(partition: int) -> PartitionState:
        if len(failures) < 2:
            failures.append(partition)
            raise RuntimeError("no brokers available")
        return restore(partition)

    group_agent.restore = flaky
    outcome = asyncio.run(group_agent.handle(*_cleaned("https://wire.example/a", 0, 0), b"en"))
    assert failures == [0, 0]
    assert sent.topics()[-1] == SETTINGS.topic_grouped and outcome.article.story_id == outcome.article.id
