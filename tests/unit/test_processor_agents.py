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
from services.processor.clean import clean
from services.processor.learned import LearnedState
from services.processor.outputs import Outputs
from services.processor.settings import ProcessorSettings
from tests.conftest import SAMPLES

SETTINGS = ProcessorSettings()
STORY = "Rescue teams searched the hills north of the capital for survivors of the landslide. " * 6


class Sent(list[tuple[str, bytes | None, bytes | None]]):
    """Every message an agent sent, in order: (topic, key, value)."""

    async def send(self, topic: str, key: bytes | None, value: bytes) -> None:
        self.append((topic, key, value))

    async def send_change(self, topic: str, key: bytes, value: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        self.append((topic, key, value))

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
    outputs = Outputs(sent.send, SETTINGS.topic_dlq)
    return CleanAgent(route(SETTINGS, Stage.CLEAN), outputs, LearnedState(SETTINGS), sent.send_change)


def test_a_raw_article_goes_to_news_clean_keyed_by_its_id_after_what_the_worker_learned(clean_agent, sent):
    outcome = asyncio.run(clean_agent.handle(_raw("https://wire.example/a"), _origin(0), b"k0"))
    assert isinstance(outcome, CleanArticle)
    topic, key, value = sent[-1]
    assert (topic, key) == (SETTINGS.topic_clean, outcome.id.encode())
    assert decode(CleanArticle, value).body == outcome.body
    # What it learned reached the changelogs before the article left: a crash between them loses no state.
    assert set(sent.topics()[:-1]) == {SETTINGS.changelog_topic("boilerplate"), SETTINGS.changelog_topic("signatures")}


def test_a_copy_under_another_url_is_marked_as_a_duplicate_of_the_first(clean_agent, sent):
    first = asyncio.run(clean_agent.handle(_raw("https://wire.example/a"), _origin(0), b"k0"))
    copy = asyncio.run(clean_agent.handle(_raw("https://mirror.example/a"), _origin(1), b"k1"))
    assert isinstance(first, CleanArticle) and isinstance(copy, CleanArticle)
    assert copy.duplicate_of == first.id and first.duplicate_of is None


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
