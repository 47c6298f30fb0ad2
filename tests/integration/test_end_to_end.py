"""Articles flow fetch → clean → enrich → index on the real Kafka and Elasticsearch."""

from __future__ import annotations

import json
import signal

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaConsumer, KafkaProducer

from schemas import DeadLetter, RawArticle, Stage, decode, encode
from tests.conftest import SAMPLES, Pipeline, wait_for

pytestmark = pytest.mark.integration


def _search(pipeline: Pipeline, query: str) -> list[dict]:
    result = pipeline.newsflow("search", query, "--json")
    if "is not ready yet" in result.stderr:  # the first article's index is starting: nothing searchable yet
        return []
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _dead_letters(pipeline: Pipeline, expected: int) -> list[DeadLetter]:
    consumer = KafkaConsumer(
        pipeline.setting("topic_dlq"),
        bootstrap_servers="127.0.0.1:9092",
        auto_offset_reset="earliest",
        consumer_timeout_ms=2000,
    )
    letters: list[DeadLetter] = []

    def _enough() -> bool:
        letters.extend(decode(DeadLetter, record.value) for record in consumer)
        return len(letters) >= expected

    try:
        wait_for(_enough)
    finally:
        consumer.close()
    return letters


def test_seed_articles_go_from_files_to_search_results(pipeline: Pipeline):
    ingested = pipeline.newsflow("ingest", str(SAMPLES))
    assert ingested.returncode == 0, ingested.stderr
    assert ingested.stdout.startswith("published 2 articles")

    services = pipeline.start("run", "processor", "indexer")
    hits = wait_for(lambda: _search(pipeline, "Shamkhani"), timeout=120)
    assert [hit["title"] for hit in hits] == ["Tehran, Bishkek to boost bilateral ties, regional cooperation"]
    (tehran,) = hits
    assert tehran["dateline"] == {"city": "Tehran", "agency": "Iran Press"}
    assert "Iran Press" not in tehran["related_headlines"][0]

    (bishkek,) = wait_for(lambda: _search(pipeline, "Ahmadian Imankulov"))
    assert {"text": "26 Bahman 1402", "date": "2024-02-15", "calendar": "persian"} in bishkek["dates"]

    subscribed = pipeline.newsflow(
        "subscribe", "politics-and-government", "--entity", "Shamkhani", "--from-beginning", "--max", "1",
        "--timeout", "60",
    )  # fmt: skip
    assert subscribed.returncode == 0, subscribed.stderr
    (streamed,) = [json.loads(line) for line in subscribed.stdout.splitlines()]
    assert streamed["id"] == tehran["id"] and streamed["topics"][0]["code"] == "medtop:11000000"
    unknown = pipeline.newsflow("subscribe", "astrology")
    assert unknown.returncode == 2 and "conflict-war-and-peace" in unknown.stderr

    again = pipeline.newsflow("ingest", str(SAMPLES))
    assert again.stdout.startswith("published 0 articles"), "an unchanged article must not be published twice"

    services.send_signal(signal.SIGTERM)
    assert services.wait(timeout=90) == 0


def test_poison_messages_are_dead_lettered_while_valid_articles_arrive(pipeline: Pipeline):
    services = pipeline.start("run", "processor", "indexer")
    producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092")
    valid = RawArticle(url="https://example.org/valid", title="Valid story", text="Floods closed the coastal road.")
    raw_topic = pipeline.setting("topic_raw")
    producer.send(raw_topic, key=b"binary", value=b"\x89PNG\r\n\x1a\n\x00\x00\xff")
    producer.send(raw_topic, key=b"json", value=b'{"url": "https://example.org/x", "unexpected": 1}')
    producer.send(raw_topic, key=valid.id.encode(), value=encode(valid))
    producer.send(pipeline.setting("topic_enriched"), key=b"bad", value=b"[]")
    producer.flush()
    producer.close()

    (hit,) = wait_for(lambda: _search(pipeline, "coastal road"), timeout=120)
    assert hit["id"] == valid.id

    letters = _dead_letters(pipeline, expected=3)
    by_stage = sorted((letter.stage, letter.key or "") for letter in letters)
    assert by_stage == [(Stage.CLEAN, "binary"), (Stage.CLEAN, "json"), (Stage.INDEX, "bad")]
    binary = next(letter for letter in letters if letter.key == "binary")
    assert binary.payload_encoding == "base64" and "not UTF-8" in binary.reason
    assert all(letter.source_topic and letter.offset is not None for letter in letters)

    client = Elasticsearch("http://127.0.0.1:9200")
    client.indices.refresh(index=pipeline.setting("es_alias"))
    assert client.count(index=pipeline.setting("es_alias"))["count"] == 1
    client.close()
    services.send_signal(signal.SIGTERM)
    assert services.wait(timeout=90) == 0
