"""The indexer's I/O shell: news.enriched → Elasticsearch, committing offsets only after the bulk landed.

At-least-once delivery with idempotent writes (document id = article id, external versions) makes the
index exactly-once in effect: a replayed batch rewrites the same documents. The indexing path is
``ConsumeLoop`` (poll, write, commit) and ``BulkWriter`` (writer.py). Beside it, each in a thread of its
own: the ``StoryRunner`` (stories.py) keeps story documents, the saved-search ``AlertRunner`` (alerts.py)
runs the searches while it holds the deployment's lease, and the ``WebhookSender`` (webhooks.py) delivers
matches from ``news.alerts``.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from elasticsearch import ApiError, Elasticsearch, TransportError
from kafka import KafkaConsumer, KafkaProducer
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import CommitFailedError, RebalanceInProgressError

from schemas import Stage
from services.common.messaging import MAX_REQUEST_BYTES, ensure_topics, make_producer, publish_dead_letter
from services.common.observability import ARTICLES, BATCH_SIZE, CONSUMER_LAG, STAGE_SECONDS
from services.common.topology import Route, route
from services.indexer.alerts import AlertRunner, ensure_alerts_index
from services.indexer.elastic import ensure_index, make_client
from services.indexer.settings import IndexerSettings
from services.indexer.stories import StoryRunner
from services.indexer.webhooks import WebhookSender
from services.indexer.writer import BatchResult, BulkWriter

log = logging.getLogger(__name__)

# One poll may bring this much across all partitions (a batch of large articles).
FETCH_MAX_BYTES = 64 * 1024 * 1024


class ConsumeLoop:
    """Poll a batch, write it, commit it; saved searches run between polls."""

    def __init__(
        self,
        settings: IndexerSettings,
        consumer: KafkaConsumer,
        writer: BulkWriter,
        producer: KafkaProducer,
        *,
        stopping: threading.Event,
        available: threading.Event,
    ) -> None:
        self.settings = settings
        self.consumer = consumer
        self.writer = writer
        self.producer = producer
        self.stopping = stopping
        self.available = available
        self.totals = BatchResult()
        self.busy = False  # the last poll brought a full batch: there is a backlog

    def run(self) -> None:
        while not self.stopping.is_set():
            polled = self.consumer.poll(
                timeout_ms=self.settings.indexer_poll_timeout_ms, max_records=self.settings.indexer_batch_size
            )
            records = [record for batch in polled.values() for record in batch]
            self.busy = len(records) >= self.settings.indexer_batch_size
            if records:
                self._index(records)
            self._measure_lag()

    def _index(self, records: list[ConsumerRecord]) -> None:
        started = time.perf_counter()
        result = self.writer.write_until_done(records, self.consumer, self.stopping, self.available)
        self.producer.flush()  # dead letters are out before the offsets move past their messages
        try:
            self.consumer.commit()
        except (CommitFailedError, RebalanceInProgressError) as error:
            # The group is moving partitions: the next poll joins it, and whoever gets these partitions reads
            # the batch again from the last commit — rewritten with the same ids and versions, so no harm.
            log.warning("offsets not committed, the group is rebalancing (%s); the batch will be read again", error)
        STAGE_SECONDS.labels(stage="index").observe(time.perf_counter() - started)
        BATCH_SIZE.labels(stage="index").observe(len(records))
        ARTICLES.labels(stage="index", outcome="indexed").inc(result.indexed)
        ARTICLES.labels(stage="index", outcome="stale").inc(result.stale)
        self.totals.add(result)
        log.info(
            "batch of %d: %d indexed, %d stale, %d dead-lettered",
            len(records),
            result.indexed,
            result.stale,
            result.dead_lettered,
        )

    def _measure_lag(self) -> None:
        """Messages of ``news.enriched`` on this worker's partitions not yet indexed (a gauge)."""
        lag = 0
        for partition in self.consumer.assignment():
            end = self.consumer.highwater(partition)
            if end is not None:
                lag += max(0, end - self.consumer.position(partition))
        CONSUMER_LAG.labels(stage="index").set(lag)


class Indexer:
    """The indexer process: waits for Elasticsearch, joins the index stage's group, runs the loop."""

    def __init__(self, settings: IndexerSettings) -> None:
        self.settings = settings
        self.route: Route = route(settings, Stage.INDEX)
        self._stop = threading.Event()
        self._ready = threading.Event()  # consuming, and Elasticsearch takes writes

    def stop(self) -> None:
        self._stop.set()

    def ready(self) -> bool:
        return self._ready.is_set()

    def run(self) -> None:
        settings = self.settings
        ensure_topics(settings)
        client = make_client(settings)
        producer: KafkaProducer | None = None
        consumer: KafkaConsumer | None = None
        try:
            self._wait_for_elasticsearch(client)
            ensure_index(client, settings)
            ensure_alerts_index(client, settings.es_alerts_index)
            producer = make_producer(settings, "newsflow-indexer")
            consumer = self._join(settings)
            dead_letters = functools.partial(publish_dead_letter, producer, settings)
            writer = BulkWriter(client, settings, dead_letters)
            alerts = AlertRunner(settings, client, producer, interval_s=settings.indexer_alerts_interval_s)
            webhooks = WebhookSender(settings, client, dead_letters)
            stories = StoryRunner(client, settings, interval_s=settings.indexer_stories_interval_s)
            loop = ConsumeLoop(settings, consumer, writer, producer, stopping=self._stop, available=self._ready)
            # Beside the indexing loop, never in it: stories, saved searches and webhook deliveries.
            for name, target, args in (
                ("stories", stories.run_forever, (self._stop, lambda: loop.busy)),
                ("alerts", alerts.run_forever, (self._stop,)),
                ("webhooks", webhooks.run_forever, (self._stop,)),
            ):
                threading.Thread(target=target, args=args, name=name, daemon=True).start()
            log.info("indexer consuming %s into alias %s", self.route.input_topic, settings.es_alias)
            self._ready.set()
            loop.run()
        finally:
            if consumer is not None:
                consumer.close(autocommit=False)
            if producer is not None:
                producer.flush()
                producer.close()
            client.close()

    def _join(self, settings: IndexerSettings) -> KafkaConsumer:
        """A consumer in the index stage's group, subscribed once the broker's metadata lists the topic.

        A group member that joins while its just-created topic is not yet in its metadata is assigned
        nothing, and kafka-python only looks again when its metadata expires.
        """
        topic, group = self.route.consumes
        consumer = KafkaConsumer(
            **settings.kafka_client_options(),
            group_id=group,
            client_id="newsflow-indexer",
            **settings.group_member_options(),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=settings.indexer_batch_size,
            fetch_max_bytes=FETCH_MAX_BYTES,
            max_partition_fetch_bytes=MAX_REQUEST_BYTES,
            # Partitions added later are picked up within this time rather than kafka-python's 5 minutes.
            metadata_max_age_ms=30_000,
        )
        deadline = time.monotonic() + 60
        while not consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
            self._stop.wait(0.2)
        consumer.subscribe([topic])
        return consumer

    def _wait_for_elasticsearch(self, client: Elasticsearch) -> None:
        delay = 1.0
        while not self._stop.is_set():
            try:
                client.cluster.health(wait_for_status="yellow", timeout="5s")
                return
            except (TransportError, ApiError) as error:
                log.warning("Elasticsearch not ready (%s); retrying in %.0fs", error, delay)
                self._stop.wait(delay)
                delay = min(delay * 2, self.settings.indexer_max_backoff_s)


def main() -> None:
    from services.common.runtime import run_service

    run_service(Indexer, IndexerSettings, metrics_port=lambda settings: settings.indexer_metrics_port)


if __name__ == "__main__":
    main()
