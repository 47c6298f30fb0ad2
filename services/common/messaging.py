"""Kafka plumbing shared by the services: topic creation, a safe producer, dead-letter publishing."""

from __future__ import annotations

import contextlib
import logging

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
from kafka.partitioner.default import murmur2

from schemas import DeadLetter, encode
from schemas.codec import MAX_MESSAGE_BYTES
from services.common.observability import article_context, count_dead_letter
from services.common.settings import KafkaSettings

log = logging.getLogger(__name__)

# Raw HTML of long pages exceeds Kafka's 1 MiB default; the contract and the local broker allow 16 MiB.
MAX_REQUEST_BYTES = MAX_MESSAGE_BYTES


def ensure_topics(settings: KafkaSettings, extra: dict[str, dict[str, str]] | None = None) -> list[str]:
    """Create the pipeline topics (and ``extra`` ones with their configs) that do not exist yet."""
    wanted: dict[str, dict[str, str]] = {name: {} for name in settings.pipeline_topics}
    wanted.update(extra or {})
    admin = KafkaAdminClient(**settings.kafka_client_options(), client_id="newsflow-admin")
    try:
        existing = set(admin.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            # Another service may create one between our list and create.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(
                    [
                        NewTopic(
                            name,
                            settings.topic_partitions,
                            settings.topic_replication,
                            topic_configs={"max.message.bytes": str(MAX_REQUEST_BYTES), **wanted[name]},
                        )
                        for name in missing
                    ]
                )
            log.info("created topics %s", missing)
        return missing
    finally:
        admin.close()


def make_producer(settings: KafkaSettings, client_id: str) -> KafkaProducer:
    """A producer that counts a message as sent only once every in-sync replica has it."""
    return KafkaProducer(
        **settings.kafka_client_options(),
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        compression_type="gzip",
        linger_ms=20,
        max_request_size=MAX_REQUEST_BYTES,
        max_block_ms=60_000,
    )


def key_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner sends ``key`` to: murmur2, made positive, modulo the count."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


def publish_dead_letter(producer: KafkaProducer, settings: KafkaSettings, letter: DeadLetter) -> None:
    """Send one dead letter and wait for the broker: a failure must never vanish silently."""
    key = (letter.article_id or letter.key or "").encode("utf-8") or None
    producer.send(settings.topic_dlq, key=key, value=encode(letter)).get(timeout=60)
    count_dead_letter(letter.stage, letter.error_class)
    log.warning(
        "dead-lettered (%s): %s",
        letter.stage,
        letter.reason,
        extra=article_context(letter.article_id, letter.stage, url=letter.url, error_class=letter.error_class),
    )


def read_compacted(settings: KafkaSettings, topic: str) -> dict[str, bytes]:
    """The latest value of every key in a compacted topic (a tombstone removes its key).

    Read from the beginning to the end offsets taken at the start, without a consumer group: this is
    state being restored, not work being consumed.
    """
    consumer = KafkaConsumer(**settings.kafka_client_options(), enable_auto_commit=False, group_id=None)
    latest: dict[str, bytes] = {}
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, partition) for partition in partitions]
        if not assigned:
            return latest
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        end = consumer.end_offsets(assigned)
        while any(consumer.position(tp) < end[tp] for tp in assigned):
            for batch in consumer.poll(timeout_ms=1000).values():
                for record in batch:
                    key = record.key.decode("utf-8") if record.key else ""
                    if record.value is None:
                        latest.pop(key, None)
                    else:
                        latest[key] = record.value
    finally:
        consumer.close()
    return latest


class KafkaProbe:
    """Read-only questions about topics and consumer groups, for `newsflow status`, the live view and lag
    gauges. Holds its connections, so asking every few seconds is cheap."""

    def __init__(self, settings: KafkaSettings) -> None:
        options = settings.kafka_client_options()
        self.admin = KafkaAdminClient(**options, client_id="newsflow-probe")
        self.consumer = KafkaConsumer(**options, client_id="newsflow-probe", group_id=None, enable_auto_commit=False)

    def partitions(self, topics: list[str]) -> dict[str, list[TopicPartition]]:
        """Each existing topic's partitions (topics that do not exist are left out)."""
        existing = set(self.consumer.topics())
        found = {}
        for topic in topics:
            if topic in existing:
                numbers = self.consumer.partitions_for_topic(topic) or set()
                found[topic] = [TopicPartition(topic, number) for number in sorted(numbers)]
        return found

    def end_offsets(self, topics: list[str]) -> dict[str, dict[int, int]]:
        """topic → partition → the offset the next message will get."""
        partitions = [tp for tps in self.partitions(topics).values() for tp in tps]
        ends = self.consumer.end_offsets(partitions) if partitions else {}
        result: dict[str, dict[int, int]] = {}
        for tp, end in ends.items():
            result.setdefault(tp.topic, {})[tp.partition] = end
        return result

    def messages(self, topics: list[str]) -> dict[str, int]:
        """How many messages each topic holds (end minus beginning offsets, summed over partitions)."""
        partitions = [tp for tps in self.partitions(topics).values() for tp in tps]
        if not partitions:
            return {}
        ends = self.consumer.end_offsets(partitions)
        starts = self.consumer.beginning_offsets(partitions)
        counts: dict[str, int] = {}
        for tp in partitions:
            counts[tp.topic] = counts.get(tp.topic, 0) + ends[tp] - starts[tp]
        return counts

    def lag(self, group: str, topic: str) -> int | None:
        """Messages of ``topic`` the group has not committed yet; None if the topic does not exist."""
        partitions = self.partitions([topic]).get(topic)
        if not partitions:
            return None
        committed = self.admin.list_group_offsets({group: partitions}).get(group, {})
        ends = self.consumer.end_offsets(partitions)
        starts = self.consumer.beginning_offsets(partitions)
        lag = 0
        for tp in partitions:
            done = committed.get(tp)
            position = done.offset if done is not None and done.offset >= 0 else starts[tp]
            lag += max(0, ends[tp] - position)
        return lag

    def groups(self) -> dict[str, str]:
        """Consumer group id → state (Stable, Empty, PreparingRebalance…)."""
        return {group["group_id"]: group.get("group_state", "") for group in self.admin.list_groups()}

    def close(self) -> None:
        self.consumer.close()
        self.admin.close()
