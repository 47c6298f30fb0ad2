"""Enriched-article messages → Elasticsearch bulk writes; what cannot land becomes a dead letter.

The live indexer and ``newsflow reindex`` both write through a ``BulkWriter``, each with its own consumer.
Document id = article id and external versions make a replayed batch rewrite the same documents.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from elasticsearch import Elasticsearch, TransportError
from elasticsearch.helpers import streaming_bulk
from kafka import KafkaConsumer
from kafka.consumer.fetcher import ConsumerRecord

from schemas import DeadLetter, EnrichedArticle, InvalidMessage, Stage, dead_letter, decode
from schemas.codec import attempt_of
from services.indexer.documents import bulk_action, mapping_version
from services.indexer.settings import IndexerSettings
from services.indexer.versions import VersionBook

log = logging.getLogger(__name__)

# Elasticsearch's bulk helper sends at most this many documents, or bytes, per request.
BULK_CHUNK_DOCUMENTS = 500
BULK_CHUNK_BYTES = 50 * 1024 * 1024


@dataclass
class BatchResult:
    indexed: int = 0
    stale: int = 0  # an equal or newer version was already indexed
    dead_lettered: int = 0

    def add(self, other: BatchResult) -> None:
        self.indexed += other.indexed
        self.stale += other.stale
        self.dead_lettered += other.dead_lettered


class BulkWriter:
    """Writes batches of ``news.enriched`` records; ``dead_letters`` receives what was refused, with why."""

    def __init__(
        self, client: Elasticsearch, settings: IndexerSettings, dead_letters: Callable[[DeadLetter], None]
    ) -> None:
        self.client = client
        self.settings = settings
        self.dead_letters = dead_letters
        self.version = mapping_version(settings.es_index_definition)
        self.versions = VersionBook(client, settings)

    def write(
        self, records: Iterable[ConsumerRecord], indexed_at: Callable[[ConsumerRecord], datetime] | None = None
    ) -> BatchResult:
        """Index one batch; invalid messages and rejected documents are dead-lettered, the rest land.

        ``indexed_at`` gives a record's indexing time when it is not now: a rebuild keeps the time an
        article was first indexed, so saved searches and the building alias's filter see it as old, and it
        never replaces a document of the same version (the live indexer's, indexed since)."""
        result = BatchResult()
        articles: list[tuple[EnrichedArticle, ConsumerRecord]] = []
        for record in records:
            try:
                articles.append((decode(EnrichedArticle, record.value), record))
            except InvalidMessage as error:
                self._dead_letter(record, error)
                result.dead_lettered += 1
        revisions = self.versions.record([article for article, _ in articles])
        actions: list[dict[str, Any]] = []
        origins: dict[str, ConsumerRecord] = {}
        for article, record in articles:
            when = indexed_at(record) if indexed_at else None
            actions.append(bulk_action(article, self.settings.es_index_prefix, self.version, message=record.value,
                                       revision=revisions.get(article.id), indexed_at=when,
                                       replace_same_version=indexed_at is None))  # fmt: skip
            origins[article.id] = record
        for ok, item in streaming_bulk(
            self.client,
            actions,
            chunk_size=BULK_CHUNK_DOCUMENTS,
            max_chunk_bytes=BULK_CHUNK_BYTES,
            raise_on_error=False,
            raise_on_exception=True,
            max_retries=5,
            initial_backoff=1,
            max_backoff=self.settings.indexer_max_backoff_s,
        ):
            outcome = item.get("index", {})
            if ok:
                result.indexed += 1
            elif outcome.get("status") == 409:
                result.stale += 1
            else:
                reason = _bulk_error(outcome)
                record = origins[outcome.get("_id", "")]
                self._dead_letter(record, ValueError(reason), reason=reason, error_class="MappingRejected")
                result.dead_lettered += 1
        return result

    def write_until_done(
        self,
        records: list[ConsumerRecord],
        consumer: KafkaConsumer,
        stopping: threading.Event,
        available: threading.Event | None = None,
        indexed_at: Callable[[ConsumerRecord], datetime] | None = None,
    ) -> BatchResult:
        """Write the batch; while Elasticsearch is away, pause ``consumer`` (it stays in its group) and retry
        with backoff. ``available`` is cleared during the outage and set once the batch landed."""
        delay = 1.0
        while True:
            try:
                result = self.write(records, indexed_at)
                if consumer.paused():
                    consumer.resume(*consumer.paused())
                if available is not None:
                    available.set()
                return result
            except TransportError as error:
                if stopping.is_set():
                    raise
                log.warning("Elasticsearch unavailable (%s); batch kept, retrying in %.0fs", error, delay)
                if available is not None:
                    available.clear()
                consumer.pause(*consumer.assignment())
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline and not stopping.is_set():
                    consumer.poll(timeout_ms=200)  # stays in the group while paused; returns nothing
                delay = min(delay * 2, self.settings.indexer_max_backoff_s)

    def _dead_letter(
        self, record: ConsumerRecord, error: Exception, reason: str | None = None, error_class: str | None = None
    ) -> None:
        letter = dead_letter(
            Stage.INDEX,
            record.value,
            error,
            reason=reason,
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key else None,
            attempts=attempt_of(record.headers),
        )
        if error_class:
            letter = letter.model_copy(update={"error_class": error_class})
        self.dead_letters(letter)


def _bulk_error(outcome: dict[str, Any]) -> str:
    error = outcome.get("error") or {}
    if isinstance(error, dict):
        cause = error.get("caused_by", {}).get("reason", "")
        return f"{error.get('type', 'error')}: {error.get('reason', '')}" + (f" ({cause})" if cause else "")
    return str(error)
