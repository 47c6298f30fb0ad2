"""`newsflow reindex`: rebuild this mapping version's indices from news.enriched, then swap the alias.

Kafka is the source of truth (and the minimal node has no _reindex API): every enriched article is read
again from the earliest offset and written with the same ids and external versions as the live indexer
uses, so the two can run side by side — the newest enrichment of each article wins, nothing is duplicated.
When the replay has reached the end offsets taken at its start, the alias moves to the new indices in one
atomic step; searches see the old indices until then and the complete new ones after.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition

from schemas import Stage
from services.common.messaging import MAX_REQUEST_BYTES, ensure_topics, make_producer, publish_dead_letter
from services.common.topology import route
from services.indexer.elastic import ensure_index, make_client, swap_alias
from services.indexer.service import FETCH_MAX_BYTES
from services.indexer.settings import IndexerSettings
from services.indexer.writer import BatchResult, BulkWriter

log = logging.getLogger(__name__)


@dataclass
class ReindexResult:
    read: int = 0
    written: BatchResult = field(default_factory=BatchResult)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    seconds: float = 0.0


def reindex(
    settings: IndexerSettings, *, delete_old: bool = False, report: Callable[[str], None] = log.info
) -> ReindexResult:
    started = time.monotonic()
    topic, _group = route(settings, Stage.INDEX).consumes  # read whole, outside the live indexer's group
    ensure_topics(settings)
    client = make_client(settings)
    producer = make_producer(settings, "newsflow-reindex")
    consumer = KafkaConsumer(
        **settings.kafka_client_options(),
        group_id=None,
        enable_auto_commit=False,
        fetch_max_bytes=FETCH_MAX_BYTES,
        max_partition_fetch_bytes=MAX_REQUEST_BYTES,
    )
    writer = BulkWriter(client, settings, functools.partial(publish_dead_letter, producer, settings))
    never = threading.Event()  # a reindex runs to its end or fails; nothing asks it to stop midway
    result = ReindexResult()
    try:
        ensure_index(client, settings)
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        report(f"replaying {sum(end.values())} messages of {topic} into mapping v{writer.version}")
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            polled = consumer.poll(timeout_ms=1000, max_records=settings.indexer_batch_size)
            records = [record for batch in polled.values() for record in batch]
            if not records:
                continue
            # Paused, like the live indexer's consumer, while Elasticsearch is away.
            result.written.add(writer.write_until_done(records, consumer, never))
            result.read += len(records)
        result.removed, result.added = swap_alias(client, settings)
        report(f"alias {settings.es_alias} now points at {', '.join(result.added) or 'nothing'}")
        if delete_old and result.removed:
            client.indices.delete(index=",".join(result.removed))
            report(f"deleted {', '.join(result.removed)}")
    finally:
        consumer.close()
        producer.flush()
        producer.close()
        client.close()
    result.seconds = time.monotonic() - started
    return result
