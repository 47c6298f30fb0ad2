"""`newsflow reindex`: rebuild this mapping version's indices, then swap the alias.

Two sources, in this order (the minimal node has no _reindex API, so both are read client-side):

1. the indices the alias serves now, scanned whole: every article they hold, even one whose message the
   broker no longer keeps (``news.enriched`` is kept 7 days), is rebuilt from its stored source;
2. ``news.enriched`` from its earliest offset, for whatever is newer than what the indices hold.

Both write with the same ids and external versions as the live indexer, so the three can run side by side:
the newest enrichment of each article wins and nothing is duplicated. Rebuilt documents keep the time they
were first indexed. When the replay has reached the end offsets taken at its start, the alias moves to the
new indices in one atomic step; until then searches see the old indices, and of the new ones only what
was indexed since the building began (see ``ensure_index``).
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from elasticsearch import Elasticsearch
from elasticsearch.helpers import scan
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from schemas import EnrichedArticle, Stage
from services.common.messaging import MAX_REQUEST_BYTES, ensure_topics, make_producer, publish_dead_letter
from services.common.topology import route
from services.indexer.elastic import alias_holders, ensure_index, make_client, swap_alias
from services.indexer.service import FETCH_MAX_BYTES
from services.indexer.settings import IndexerSettings
from services.indexer.writer import BatchResult, BulkWriter

log = logging.getLogger(__name__)

ARTICLE_FIELDS = tuple(EnrichedArticle.model_fields)  # a document is the article plus flat fields for Kibana


@dataclass
class ReindexResult:
    copied: int = 0  # articles rebuilt from the indices the alias served
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
        result.copied = _copy_from_indices(client, settings, writer, report)
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        gone = sum(consumer.beginning_offsets(partitions).values())
        if gone:
            report(f"{topic} no longer holds its first {gone} messages (retention): their articles come from the "
                   f"indices above")  # fmt: skip
        report(f"replaying {sum(end.values()) - gone} messages of {topic} into mapping v{writer.version}")
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            polled = consumer.poll(timeout_ms=1000, max_records=settings.indexer_batch_size)
            records = [record for batch in polled.values() for record in batch]
            if not records:
                continue
            # Paused, like the live indexer's consumer, while Elasticsearch is away.
            result.written.add(writer.write_until_done(records, consumer, never, indexed_at=_appended_at))
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


@dataclass(frozen=True)
class _StoredArticle:
    """An indexed article as the writer takes a record: its message bytes, where it came from."""

    value: bytes
    indexed_at: datetime
    topic: str
    key: bytes
    partition: int = -1
    offset: int = -1
    headers: tuple[()] = ()


def _copy_from_indices(
    client: Elasticsearch, settings: IndexerSettings, writer: BulkWriter, report: Callable[[str], None]
) -> int:
    """Rebuild every article of the indices the alias serves in another mapping version; how many."""
    own = f"{settings.es_index_prefix}-v{writer.version}-"
    old = [index for index in alias_holders(client, settings.es_alias) if not index.startswith(own)]
    if not old:
        return 0
    report(f"rebuilding the articles of {', '.join(old)}")
    copied, batch = 0, []
    for hit in scan(client, index=",".join(old), query={"query": {"match_all": {}}}, size=settings.indexer_batch_size):
        article = {field: hit["_source"][field] for field in ARTICLE_FIELDS if field in hit["_source"]}
        indexed_at = datetime.fromisoformat(hit["_source"].get("indexed_at") or article["fetched_at"])
        value = json.dumps(article, ensure_ascii=False).encode()
        batch.append(_StoredArticle(value, indexed_at, hit["_index"], hit["_id"].encode()))
        if len(batch) >= settings.indexer_batch_size:
            copied += _write_stored(writer, batch)
            batch = []
    return copied + _write_stored(writer, batch)


def _write_stored(writer: BulkWriter, batch: list[_StoredArticle]) -> int:
    written = writer.write(batch, indexed_at=lambda stored: stored.indexed_at)
    return written.indexed + written.stale


def _appended_at(record: ConsumerRecord) -> datetime:
    """When the processor published the enrichment: a replayed article keeps (about) its first indexing time."""
    return datetime.fromtimestamp(record.timestamp / 1000, UTC)
