"""The indexer's I/O shell: news.enriched → Elasticsearch, committing offsets only after the bulk landed.

At-least-once delivery with idempotent writes (document id = article id, external versions) makes the
index exactly-once in effect: a replayed batch rewrites the same documents.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from elasticsearch import ApiError, Elasticsearch, TransportError
from elasticsearch.helpers import streaming_bulk
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord

from schemas import EnrichedArticle, InvalidMessage, Stage, dead_letter, decode
from services.common.messaging import ensure_topics, make_producer, publish_dead_letter
from services.common.observability import ARTICLES, BATCH_SIZE, CONSUMER_LAG, STAGE_SECONDS
from services.indexer.alerts import AlertRunner, ensure_alerts_index
from services.indexer.documents import bulk_action, mapping_version
from services.indexer.elastic import ensure_index, make_client
from services.indexer.settings import IndexerSettings

log = logging.getLogger(__name__)


@dataclass
class BatchResult:
    indexed: int = 0
    stale: int = 0  # an equal or newer version was already indexed
    dead_lettered: int = 0


class Indexer:
    """Consumes enriched articles in batches and bulk-writes them; one instance per process."""

    def __init__(self, settings: IndexerSettings) -> None:
        self.settings = settings
        self.version = mapping_version(settings.es_index_definition)
        self._stop = threading.Event()
        self.client: Elasticsearch = make_client(settings)
        self.producer: KafkaProducer | None = None
        self.consumer: KafkaConsumer | None = None
        self.totals = BatchResult()
        self.alerts: AlertRunner | None = None
        self._ready = threading.Event()  # consuming, and Elasticsearch takes writes

    def stop(self) -> None:
        self._stop.set()

    def ready(self) -> bool:
        return self._ready.is_set()

    def run(self) -> None:
        ensure_topics(self.settings)
        self._wait_for_elasticsearch()
        ensure_index(self.client, self.settings)
        self.producer = make_producer(self.settings, "newsflow-indexer")
        self.consumer = KafkaConsumer(
            **self.settings.kafka_client_options(),
            group_id=self.settings.indexer_group,
            client_id="newsflow-indexer",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.settings.indexer_batch_size,
            fetch_max_bytes=64 * 1024 * 1024,
            max_partition_fetch_bytes=16 * 1024 * 1024,
            # Partitions added later are picked up within this time rather than kafka-python's 5 minutes.
            metadata_max_age_ms=30_000,
        )
        self._subscribe_when_visible()
        ensure_alerts_index(self.client, self.settings.es_alerts_index)
        self.alerts = AlertRunner(
            self.settings, self.client, self.producer, interval_s=self.settings.indexer_alerts_interval_s
        )
        log.info("indexer consuming %s into alias %s", self.settings.topic_enriched, self.settings.es_alias)
        self._ready.set()
        try:
            while not self._stop.is_set():
                polled = self.consumer.poll(
                    timeout_ms=self.settings.indexer_poll_timeout_ms, max_records=self.settings.indexer_batch_size
                )
                records = [record for batch in polled.values() for record in batch]
                self._run_alerts()
                if not records:
                    self._measure_lag()
                    continue
                started = time.perf_counter()
                result = self.index_until_done(records)
                self.producer.flush()
                self.consumer.commit()
                STAGE_SECONDS.labels(stage="index").observe(time.perf_counter() - started)
                BATCH_SIZE.labels(stage="index").observe(len(records))
                ARTICLES.labels(stage="index", outcome="indexed").inc(result.indexed)
                ARTICLES.labels(stage="index", outcome="stale").inc(result.stale)
                self._measure_lag()
                self.totals.indexed += result.indexed
                self.totals.stale += result.stale
                self.totals.dead_lettered += result.dead_lettered
                log.info(
                    "batch of %d: %d indexed, %d stale, %d dead-lettered",
                    len(records),
                    result.indexed,
                    result.stale,
                    result.dead_lettered,
                )
        finally:
            self.consumer.close(autocommit=False)
            self.producer.flush()
            self.producer.close()
            self.client.close()

    def _measure_lag(self) -> None:
        """Messages of ``news.enriched`` on this worker's partitions not yet indexed (a gauge)."""
        assert self.consumer is not None
        lag = 0
        for partition in self.consumer.assignment():
            end = self.consumer.highwater(partition)
            if end is not None:
                lag += max(0, end - self.consumer.position(partition))
        CONSUMER_LAG.labels(stage="index").set(lag)

    def _run_alerts(self) -> None:
        """Saved searches over what was indexed since their last run; their failure never stops indexing."""
        if self.alerts is None:
            return
        try:
            self.alerts.maybe_run()
        except Exception as error:
            log.warning("saved-search alerts skipped this time: %s: %s", type(error).__name__, error)

    def _subscribe_when_visible(self) -> None:
        """Subscribe once the broker's metadata lists the topic's partitions.

        A group member that joins while its just-created topic is not yet in its metadata is assigned
        nothing, and kafka-python only looks again when its metadata expires.
        """
        assert self.consumer is not None
        topic = self.settings.topic_enriched
        deadline = time.monotonic() + 60
        while not self.consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
            self._stop.wait(0.2)
        self.consumer.subscribe([topic])

    def _wait_for_elasticsearch(self) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                self.client.cluster.health(wait_for_status="yellow", timeout="5s")
                return
            except (TransportError, ApiError) as error:
                log.warning("Elasticsearch not ready (%s); retrying in %.0fs", error, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, self.settings.indexer_max_backoff_s)

    def index_until_done(self, records: list[ConsumerRecord]) -> BatchResult:
        """Write the batch; while Elasticsearch is away, pause consumption and retry with backoff (the live
        indexer and `newsflow reindex` both write this way, each with its own consumer)."""
        assert self.consumer is not None
        delay = 1.0
        while True:
            try:
                result = self.index_batch(records)
                if self.consumer.paused():
                    self.consumer.resume(*self.consumer.paused())
                self._ready.set()
                return result
            except TransportError as error:
                if self._stop.is_set():
                    raise
                log.warning("Elasticsearch unavailable (%s); batch kept, retrying in %.0fs", error, delay)
                self._ready.clear()
                self.consumer.pause(*self.consumer.assignment())
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline and not self._stop.is_set():
                    self.consumer.poll(timeout_ms=200)  # stays in the group while paused; returns nothing
                delay = min(delay * 2, self.settings.indexer_max_backoff_s)

    def index_batch(self, records: Iterable[ConsumerRecord]) -> BatchResult:
        """Index one batch; invalid messages and rejected documents are dead-lettered, the rest land."""
        assert self.producer is not None
        result = BatchResult()
        actions: list[dict[str, Any]] = []
        origins: dict[str, ConsumerRecord] = {}
        for record in records:
            try:
                article = decode(EnrichedArticle, record.value)
            except InvalidMessage as error:
                self._dead_letter(record, error)
                result.dead_lettered += 1
                continue
            actions.append(bulk_action(article, self.settings.es_index_prefix, self.version, message=record.value))
            origins[article.id] = record
        for ok, item in streaming_bulk(
            self.client,
            actions,
            chunk_size=500,
            max_chunk_bytes=50 * 1024 * 1024,
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
                record = origins[outcome.get("_id", "")]
                reason = _bulk_error(outcome)
                self._dead_letter(record, ValueError(reason), reason=reason, error_class="MappingRejected")
                result.dead_lettered += 1
        return result

    def _dead_letter(
        self, record: ConsumerRecord, error: Exception, reason: str | None = None, error_class: str | None = None
    ) -> None:
        assert self.producer is not None
        letter = dead_letter(
            Stage.INDEX,
            record.value,
            error,
            reason=reason,
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key.decode("utf-8", "replace") if record.key else None,
        )
        if error_class:
            letter = letter.model_copy(update={"error_class": error_class})
        publish_dead_letter(self.producer, self.settings, letter)


def _bulk_error(outcome: dict[str, Any]) -> str:
    error = outcome.get("error") or {}
    if isinstance(error, dict):
        cause = error.get("caused_by", {}).get("reason", "")
        return f"{error.get('type', 'error')}: {error.get('reason', '')}" + (f" ({cause})" if cause else "")
    return str(error)


def main() -> None:
    from services.common.runtime import run_service

    run_service(Indexer, IndexerSettings, metrics_port=lambda settings: settings.indexer_metrics_port)


if __name__ == "__main__":
    main()
