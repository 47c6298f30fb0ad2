"""Publishing RawArticles to news.raw exactly when they are new or changed.

What was published is remembered in a compacted Kafka topic (article id → fingerprint), not a local
file, so a restarted or moved fetcher knows what it already sent.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas import RawArticle, Stage, dead_letter, encode
from services.fetcher.inputs import InputError, InputItem
from services.fetcher.settings import FetcherSettings
from services.messaging import ensure_topics, make_producer, publish_dead_letter

log = logging.getLogger(__name__)

# kafka-python 3 has no bounded producer buffer (buffer_memory is gone), so the publisher waits for
# acknowledgements every this many messages instead of letting a large archive pile up in memory.
MAX_IN_FLIGHT = 1000


def fingerprint(article: RawArticle) -> str:
    """What makes two deliveries of one article the same content."""
    digest = hashlib.sha256()
    for part in (article.title, article.text, article.html):
        digest.update((part or "").encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


@dataclass
class PublishCounts:
    published: int = 0
    updated: int = 0
    unchanged: int = 0
    dead_lettered: int = 0


class SeenStore:
    """Article id → fingerprint, read back from the compacted topic at start-up."""

    def __init__(self, settings: FetcherSettings) -> None:
        self.settings = settings
        self.fingerprints: dict[str, str] = {}

    def load(self) -> int:
        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.bootstrap_servers, enable_auto_commit=False, group_id=None
        )
        try:
            partitions = consumer.partitions_for_topic(self.settings.topic_seen) or set()
            assigned = [TopicPartition(self.settings.topic_seen, partition) for partition in partitions]
            if not assigned:
                return 0
            consumer.assign(assigned)
            consumer.seek_to_beginning(*assigned)
            end = consumer.end_offsets(assigned)
            while any(consumer.position(tp) < end[tp] for tp in assigned):
                for batch in consumer.poll(timeout_ms=1000).values():
                    for record in batch:
                        key = record.key.decode("utf-8") if record.key else ""
                        if record.value is None:
                            self.fingerprints.pop(key, None)
                        else:
                            self.fingerprints[key] = record.value.decode("utf-8")
        finally:
            consumer.close()
        return len(self.fingerprints)


class Publisher:
    """Sends articles to news.raw (new or changed only, unless forced) and input errors to news.dlq."""

    def __init__(self, settings: FetcherSettings, producer: KafkaProducer | None = None) -> None:
        self.settings = settings
        ensure_topics(settings, extra={settings.topic_seen: {"cleanup.policy": "compact"}})
        self.producer = producer or make_producer(settings, "newsflow-fetcher")
        self.seen = SeenStore(settings)
        known = self.seen.load()
        log.info("fetcher knows %d published articles", known)

    def publish(self, items: list[InputItem], *, force: bool = False) -> PublishCounts:
        """Publish a batch and wait until the broker acknowledged every message in it."""
        counts = PublishCounts()
        pending = []
        for item in items:
            if isinstance(item, InputError):
                letter = dead_letter(
                    Stage.INGEST, item.payload, ValueError(item.reason), reason=item.reason, url=item.origin
                ).model_copy(update={"error_class": item.error_class})
                publish_dead_letter(self.producer, self.settings, letter)
                counts.dead_lettered += 1
                continue
            print_id = fingerprint(item)
            previous = self.seen.fingerprints.get(item.id)
            if previous == print_id and not force:
                counts.unchanged += 1
                continue
            key = item.id.encode("utf-8")
            pending.append(
                (item.id, print_id, self.producer.send(self.settings.topic_raw, key=key, value=encode(item)))
            )
            if previous is None:
                counts.published += 1
            else:
                counts.updated += 1
            if len(pending) >= MAX_IN_FLIGHT:
                self._settle(pending)
        self._settle(pending)
        self.producer.flush()
        return counts

    def _settle(self, pending: list[tuple[str, str, Any]]) -> None:
        """Wait for the broker to acknowledge each article, then remember it as published."""
        for article_id, print_id, future in pending:
            future.get(timeout=120)  # raises if the broker never acknowledged
            self.producer.send(self.settings.topic_seen, key=article_id.encode(), value=print_id.encode())
            self.seen.fingerprints[article_id] = print_id
        pending.clear()

    def close(self) -> None:
        self.producer.flush()
        self.producer.close()
