"""The indexer on the real Kafka and Elasticsearch: exactly one document per article whatever is replayed or
reordered, and a document Elasticsearch refuses goes to the DLQ while its batch-mates land."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaConsumer

from deploy.local.stack import StackSettings, components, up
from schemas import DeadLetter, EnrichedArticle, decode
from tests.conftest import Pipeline, wait_for
from tests.support import NOW, alias_serves, enriched_article, publish_enriched

pytestmark = pytest.mark.integration


def _article(number: int, **changes: Any) -> EnrichedArticle:
    return enriched_article(number, **changes)


def _publish(pipeline: Pipeline, articles: list[EnrichedArticle]) -> None:
    publish_enriched(pipeline.env, articles)


def _documents(client: Elasticsearch, alias: str) -> dict[str, dict]:
    if not alias_serves(client, alias):
        return {}
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, size=1000, query={"match_all": {}})["hits"]["hits"]
    return {hit["_id"]: hit["_source"] for hit in hits}


@pytest.fixture
def client() -> Elasticsearch:
    return Elasticsearch("http://127.0.0.1:9200")


def test_a_replayed_batch_and_an_older_version_change_nothing(pipeline: Pipeline, client: Elasticsearch):
    articles = [_article(n) for n in range(1, 21)]
    newer = _article(1, title="Talks collapse", enriched_at=NOW + timedelta(minutes=5))
    older = _article(2, title="A stale enrichment", enriched_at=NOW - timedelta(minutes=5))
    _publish(pipeline, [*articles, *articles, newer, older])  # the batch twice, then out of order
    indexer = pipeline.start("run", "indexer")
    alias = pipeline.setting("es_alias")
    expected = {article.id for article in articles}
    # A bulk request reaches the shards one by one: wait until every article and the newer version are visible.
    documents = wait_for(lambda: (docs := _documents(client, alias)).keys() >= expected
                         and docs[newer.id]["title"] != "Talks resume" and docs, timeout=120)  # fmt: skip
    assert sorted(documents) == sorted(article.id for article in articles), "one document per article"
    assert documents[newer.id]["title"] == "Talks collapse", "the newer enrichment wins"
    assert documents[older.id]["title"] == "Talks resume", "an older one never overwrites"
    assert client.count(index=alias)["count"] == 20
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=60) == 0


def test_a_document_the_index_refuses_is_dead_lettered_and_its_batch_mates_land(
    pipeline: Pipeline, client: Elasticsearch
):
    prefix = pipeline.setting("es_index_prefix")
    # An index of an old month made by hand, where `source` is a number: the article dated then is refused.
    client.indices.create(index=f"{prefix}-v1-1999.01", mappings={"properties": {"source": {"type": "long"}}})
    refused = _article(99, published_at=datetime(1999, 1, 15, tzinfo=UTC))
    fine = [_article(n) for n in range(1, 6)]
    _publish(pipeline, [fine[0], refused, *fine[1:]])
    indexer = pipeline.start("run", "indexer")
    alias = pipeline.setting("es_alias")
    wait_for(lambda: len(_documents(client, alias)) == 5, timeout=120)

    consumer = KafkaConsumer(pipeline.setting("topic_dlq"), bootstrap_servers="127.0.0.1:9092",
                             auto_offset_reset="earliest", consumer_timeout_ms=2000)  # fmt: skip
    letters = wait_for(lambda: [decode(DeadLetter, record.value) for record in consumer])
    consumer.close()
    (letter,) = letters
    assert letter.stage == "index" and letter.error_class == "MappingRejected" and letter.key == refused.id
    assert "failed to parse field [source]" in letter.reason
    assert decode(EnrichedArticle, letter.payload.encode()) == refused, "the original message is kept for replay"
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=60) == 0


def test_elasticsearch_stopped_mid_run_and_restarted_loses_and_duplicates_nothing(
    pipeline: Pipeline, client: Elasticsearch, stack: StackSettings
):
    alias = pipeline.setting("es_alias")
    _publish(pipeline, [_article(n) for n in range(1, 21)])
    indexer = pipeline.start("run", "indexer")
    wait_for(lambda: len(_documents(client, alias)) == 20, timeout=120)

    elasticsearch = next(component for component in components(stack) if component.name == "elasticsearch")
    pid = elasticsearch.pid()
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    try:
        wait_for(lambda: not elasticsearch.healthy(), timeout=60)
        _publish(pipeline, [_article(n) for n in range(21, 51)])  # arrive while Elasticsearch is away
        time.sleep(5)  # the indexer holds the batch, pauses and retries
        assert indexer.poll() is None, "the indexer waits, it does not die"
    finally:
        up(stack, report=lambda line: None)
    wait_for(lambda: len(_documents(client, alias)) == 50, timeout=180)
    assert sorted(_documents(client, alias)) == sorted(_article(n).id for n in range(1, 51))
    assert client.count(index=alias)["count"] == 50, "nothing twice"
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=60) == 0


def test_an_article_republished_with_changed_text_keeps_its_earlier_version(pipeline: Pipeline, client: Elasticsearch):
    first = _article(1, title="Quake strikes").model_copy(update={"body": "A quake struck. Two people died."})
    revised = first.model_copy(
        update={"title": "Quake toll rises", "body": "A quake struck. Twelve people died. Aid is on its way.",
                "content_hash": "e" * 64, "fetched_at": NOW + timedelta(hours=1),
                "enriched_at": NOW + timedelta(hours=1)}
    )  # fmt: skip
    alias = pipeline.setting("es_alias")
    indexer = pipeline.start("run", "indexer")
    _publish(pipeline, [first])
    wait_for(lambda: first.id in _documents(client, alias), timeout=120)
    _publish(pipeline, [revised, first, revised])  # the new text, then a replay of both
    wait_for(lambda: _documents(client, alias)[first.id]["title"] == "Quake toll rises", timeout=60)
    time.sleep(2)  # the replays land too
    document = _documents(client, alias)[first.id]
    assert (document["revisions"], document["revised_at"]) == (1, revised.fetched_at.isoformat())

    versions = pipeline.newsflow("versions", first.id, "--json")
    assert versions.returncode == 0, versions.stderr
    (earlier,) = [json.loads(line) for line in versions.stdout.splitlines()]
    assert (earlier["version"], earlier["title"], earlier["body"]) == (1, "Quake strikes", first.body)
    assert earlier["sentences_added"] == ["Twelve people died.", "Aid is on its way."]
    assert earlier["sentences_removed"] == ["Two people died."]
    found = client.search(index=f"{pipeline.setting('es_index_prefix')}-versions", query={"match": {"body": "two"}})
    assert found["hits"]["total"]["value"] == 1, "the earlier text is searchable"
    shown = pipeline.newsflow("versions", first.id).stdout
    assert "2 sentences added, 1 removed" in shown and "+ Twelve people died." in shown
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=60) == 0
