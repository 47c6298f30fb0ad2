"""A new mapping version is built beside the old one, from the old indices and news.enriched, while the live
indexer keeps writing; new articles stay searchable meanwhile; the alias moves in one step; every article is
there once, even those the broker no longer holds, and what arrives afterwards is searchable too."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from services.indexer.documents import TEMPLATE_FILE
from tests.conftest import Pipeline, wait_for
from tests.support import alias_serves, enriched_article, publish_enriched

pytestmark = pytest.mark.integration


def _alias_state(client: Elasticsearch, alias: str) -> tuple[list[str], int]:
    if not alias_serves(client, alias):
        return [], 0
    client.indices.refresh(index=alias)
    return sorted(client.indices.get_alias(name=alias).body), int(client.count(index=alias)["count"])


def _drop_oldest(pipeline: Pipeline, keep_last: int) -> None:
    """Delete all but the last ``keep_last`` messages of each partition of news.enriched, as retention would."""
    from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

    topic = pipeline.setting("topic_enriched")
    consumer = KafkaConsumer(bootstrap_servers="127.0.0.1:9092")
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
    ends = consumer.end_offsets(partitions)
    consumer.close()
    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    try:
        admin.delete_records({tp: max(0, end - keep_last) for tp, end in ends.items()})
    finally:
        admin.close()


def test_reindex_builds_the_new_version_beside_the_old_and_swaps_the_alias(pipeline: Pipeline, tmp_path: Path):
    client = Elasticsearch("http://127.0.0.1:9200")
    alias, prefix = pipeline.setting("es_alias"), pipeline.setting("es_index_prefix")
    publish_enriched(pipeline.env, [enriched_article(n) for n in range(1, 11)])
    indexer = pipeline.start("run", "indexer")
    wait_for(lambda: _alias_state(client, alias)[1] == 10, timeout=120)
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=60) == 0

    # A release with mapping version 2: its indexer writes v2 indices, outside the alias until the swap.
    version_2 = tmp_path / "news-index-v2.json"
    version_2.write_text(TEMPLATE_FILE.read_text().replace('"mapping_version": 1', '"mapping_version": 2'))
    pipeline.env["NEWSFLOW_ES_INDEX_DEFINITION"] = str(version_2)
    indexer = pipeline.start("run", "indexer")
    publish_enriched(pipeline.env, [enriched_article(n) for n in range(11, 21)])  # written live into v2
    wait_for(lambda: client.indices.exists(index=f"{prefix}-v2-*", allow_no_indices=False), timeout=120)
    # While v2 is built, searches see v1 whole and, of v2, what was indexed since the building began:
    # the new articles are searchable at once, and none is seen twice.
    wait_for(lambda: _alias_state(client, alias)[1] == 20, timeout=120)
    live = [hit["_id"] for hit in client.search(index=alias, size=100)["hits"]["hits"]]
    assert sorted(live) == sorted(enriched_article(n).id for n in range(1, 21))

    # The broker has dropped the first messages (retention): the rebuild takes those articles from v1.
    _drop_oldest(pipeline, keep_last=5)
    reindexed = pipeline.newsflow("reindex", "--delete-old", timeout=300)
    assert reindexed.returncode == 0, reindexed.stderr
    assert "rebuilt 10 articles from the old indices" in reindexed.stdout
    assert "no longer holds its first" in reindexed.stderr
    holders, _ = _alias_state(client, alias)
    assert holders and all(index.startswith(f"{prefix}-v2-") for index in holders)
    assert not client.indices.exists(index=f"{prefix}-v1-*", allow_no_indices=False), "--delete-old"

    # Everything is there once: the first ten (rebuilt from v1) and the ten written live meanwhile…
    wait_for(lambda: _alias_state(client, alias)[1] == 20, timeout=120)
    # …and what arrives after the swap joins the alias.
    publish_enriched(pipeline.env, [enriched_article(n) for n in range(21, 25)])
    wait_for(lambda: _alias_state(client, alias)[1] == 24, timeout=120)
    ids = [hit["_id"] for hit in client.search(index=alias, size=100)["hits"]["hits"]]
    assert sorted(ids) == sorted(enriched_article(n).id for n in range(1, 25))
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=60) == 0
    client.close()
