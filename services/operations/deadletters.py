"""Dead letters: read them back, show one whole, replay chosen ones once the cause is fixed.

A letter is named by where it sits in the dead-letter topic, ``<partition>:<offset>`` (e.g. ``0:17``):
stable, unique, and what `newsflow dlq list` prints. Replaying sends the original bytes back to the
topic they came from, keyed as before, so the stage that failed takes them again; one that still fails
becomes a new letter. Letters of the fetch stage carry no message, only the URL: replaying one fetches
the page again, as `newsflow ingest URL` does.

A letter has a life cycle, so a poison message cannot cycle for ever: each letter is handled once (the
compacted ``news.dlq.handled`` records it), a replayed message carries its count of failures in a header
so the letter it may become counts one more, and a letter that reached ``NEWSFLOW_DLQ_MAX_ATTEMPTS`` is
moved to ``news.dlq.quarantine`` instead of being replayed (`newsflow dlq list --quarantined`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas import DeadLetter, InvalidMessage, Stage, decode, encode, original_payload
from schemas.codec import attempts_header
from services.common.messaging import ensure_topics, make_producer, read_compacted
from services.common.settings import KafkaSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredLetter:
    partition: int
    offset: int
    letter: DeadLetter

    @property
    def ref(self) -> str:
        return f"{self.partition}:{self.offset}"


def parse_ref(text: str) -> tuple[int, int]:
    partition, _, offset = text.partition(":")
    if not (partition.isdigit() and offset.isdigit()):
        raise ValueError(f"not a dead-letter reference (partition:offset, as `newsflow dlq list` prints): {text!r}")
    return int(partition), int(offset)


def _consumer(settings: KafkaSettings, topic: str) -> tuple[KafkaConsumer, list[TopicPartition]]:
    consumer = KafkaConsumer(
        **settings.kafka_client_options(), group_id=None, enable_auto_commit=False, client_id="newsflow-dlq"
    )
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(partitions)
    return consumer, partitions


def read_letters(
    settings: KafkaSettings, *, newest: int | None = None, quarantined: bool = False
) -> Iterator[StoredLetter]:
    """Every letter held (or about the ``newest`` per partition), partition by partition, oldest first;
    those in quarantine instead if ``quarantined``."""
    consumer, partitions = _consumer(settings, settings.topic_quarantine if quarantined else settings.topic_dlq)
    try:
        if not partitions:
            return
        ends = consumer.end_offsets(partitions)
        starts = consumer.beginning_offsets(partitions)
        for tp in partitions:
            consumer.seek(tp, starts[tp] if newest is None else max(starts[tp], ends[tp] - newest))
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for tp, records in consumer.poll(timeout_ms=1000).items():
                for record in records:
                    if record.offset >= ends[tp]:
                        continue
                    try:
                        letter = decode(DeadLetter, record.value)
                    except InvalidMessage as error:
                        log.warning("unreadable dead letter at %d:%d: %s", tp.partition, record.offset, error)
                        continue
                    yield StoredLetter(tp.partition, record.offset, letter)
    finally:
        consumer.close()


def newest_letters(settings: KafkaSettings, count: int, *, quarantined: bool = False) -> list[StoredLetter]:
    """The ``count`` most recent letters over all partitions, newest first."""
    letters = list(read_letters(settings, newest=count, quarantined=quarantined))
    letters.sort(key=lambda stored: (stored.letter.failed_at, stored.partition, stored.offset), reverse=True)
    return letters[:count]


def find_letters(settings: KafkaSettings, refs: list[str]) -> list[StoredLetter]:
    """The letters named; an unknown reference is an error naming it."""
    wanted = {parse_ref(ref) for ref in refs}
    consumer, partitions = _consumer(settings, settings.topic_dlq)
    found: dict[tuple[int, int], StoredLetter] = {}
    try:
        by_number = {tp.partition: tp for tp in partitions}
        for partition, offset in sorted(wanted):
            tp = by_number.get(partition)
            if tp is None:
                continue
            consumer.seek(tp, offset)
            for record in consumer.poll(timeout_ms=5000, max_records=1).get(tp, []):
                if record.offset == offset:
                    found[(partition, offset)] = StoredLetter(partition, offset, decode(DeadLetter, record.value))
    finally:
        consumer.close()
    missing = sorted(wanted - found.keys())
    if missing:
        raise LookupError("no dead letter at " + ", ".join(f"{p}:{o}" for p, o in missing))
    return [found[key] for key in sorted(found)]


def handled_letters(settings: KafkaSettings) -> dict[str, str]:
    """Letter reference → what was done with it (``replayed`` or ``quarantined``)."""
    if settings.topic_dlq_handled not in _existing_topics(settings):
        return {}
    return {ref: what.decode("utf-8") for ref, what in read_compacted(settings, settings.topic_dlq_handled).items()}


def _existing_topics(settings: KafkaSettings) -> set[str]:
    consumer = KafkaConsumer(**settings.kafka_client_options(), group_id=None, client_id="newsflow-dlq")
    try:
        return set(consumer.topics())
    finally:
        consumer.close()


def replay(settings: KafkaSettings, letters: list[StoredLetter]) -> dict[str, int]:
    """Send each letter's message back to where it came from (or fetch its URL again); returns counts.

    A letter already handled is skipped; one whose message failed ``dlq_max_attempts`` times goes to
    quarantine instead. Each letter handled is recorded before this returns.
    """
    counts = {"replayed": 0, "refetched": 0, "quarantined": 0, "already": 0, "skipped": 0}
    ensure_topics(settings, extra={settings.topic_dlq_handled: {"cleanup.policy": "compact"}})
    handled = handled_letters(settings)
    producer = make_producer(settings, "newsflow-dlq-replay")
    refetch: dict[int, list[StoredLetter]] = {}
    try:
        for stored in letters:
            letter, done = stored.letter, "replayed"
            if stored.ref in handled:
                counts["already"] += 1
                continue
            if letter.attempts >= settings.dlq_max_attempts:
                producer.send(settings.topic_quarantine, key=_letter_key(letter), value=encode(letter)).get(timeout=60)
                log.warning("dead letter %s failed %d times; quarantined", stored.ref, letter.attempts)
                counts["quarantined"] += 1
                done = "quarantined"
            elif letter.source_topic:
                key = letter.key.encode("utf-8") if letter.key else None
                headers = attempts_header(letter.attempts)
                producer.send(letter.source_topic, key=key, value=original_payload(letter), headers=headers).get(60)
                counts["replayed"] += 1
            elif letter.stage == Stage.FETCH and letter.url and urlsplit(letter.url).scheme in {"http", "https"}:
                refetch.setdefault(letter.attempts + 1, []).append(stored)  # a web address only, never a file
                continue  # recorded as handled once it was fetched again
            else:
                log.warning("dead letter %s has neither a source topic nor a web URL; nothing to replay", stored.ref)
                counts["skipped"] += 1
            _handled(producer, settings, stored, done)
        for attempt, fetched in refetch.items():
            counts["refetched"] += _fetch_again([each.letter.url or "" for each in fetched], attempt)
            for each in fetched:
                _handled(producer, settings, each, "replayed")
        producer.flush()
    finally:
        producer.close()
    return counts


def _handled(producer: KafkaProducer, settings: KafkaSettings, stored: StoredLetter, done: str) -> None:
    producer.send(settings.topic_dlq_handled, key=stored.ref.encode(), value=done.encode()).get(timeout=60)


def _letter_key(letter: DeadLetter) -> bytes | None:
    return (letter.article_id or letter.key or letter.url or "").encode("utf-8") or None


def _fetch_again(urls: list[str], attempt: int) -> int:
    """Fetch the pages again as `newsflow ingest URL` does; a page that fails again is a new letter."""
    from services.fetcher.ingest import ingest
    from services.fetcher.settings import FetcherSettings

    counts = ingest(FetcherSettings(), urls, force=True, attempt=attempt).counts
    return counts.published + counts.updated
