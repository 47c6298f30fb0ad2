"""Saved searches fire exactly once for each newly indexed article that matches, also through a webhook."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaConsumer

from schemas import AlertMatch, decode
from tests.conftest import SAMPLES, Pipeline, wait_for

pytestmark = pytest.mark.integration


class _Hook(BaseHTTPRequestHandler):
    received: list[dict] = []  # noqa: RUF012 (the handler class is the test's shared record)

    def log_message(self, *_args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        failing = self.path.endswith("/down")  # an endpoint that is down: every delivery fails
        if not failing:
            self.received.append(body)
        self.send_response(503 if failing else 204)
        self.end_headers()


@pytest.fixture
def webhook() -> Iterator[str]:
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def _fired(pipeline: Pipeline) -> list[AlertMatch]:
    consumer = KafkaConsumer(pipeline.setting("topic_alerts"), bootstrap_servers="127.0.0.1:9092",
                             auto_offset_reset="earliest", consumer_timeout_ms=2000)  # fmt: skip
    try:
        return [decode(AlertMatch, record.value) for record in consumer]
    finally:
        consumer.close()


def _indexed_at(pipeline: Pipeline, article_id: str) -> str:
    client = Elasticsearch("http://127.0.0.1:9200")
    try:
        hits = client.search(index=pipeline.setting("es_alias"), query={"ids": {"values": [article_id]}})["hits"][
            "hits"
        ]
        return str(hits[0]["_source"]["indexed_at"]) if hits else ""
    finally:
        client.close()


def _checked_until(pipeline: Pipeline, alert: str) -> datetime:
    """How far in indexing time the alert has looked."""
    client = Elasticsearch("http://127.0.0.1:9200")
    try:
        stored = client.get(index=pipeline.setting("es_alerts_index"), id=f"alert:{alert}")["_source"]
        return datetime.fromisoformat(stored["checked_until"])
    finally:
        client.close()


def test_an_alert_fires_once_per_matching_article_and_never_for_others(pipeline: Pipeline, webhook: str):
    pipeline.env["NEWSFLOW_INDEXER_ALERTS_INTERVAL_S"] = "1"
    pipeline.env["NEWSFLOW_ALERTS_WEBHOOK_ALLOW_NETWORKS"] = "127.0.0.0/8"  # the test's hook, on loopback
    added = pipeline.newsflow("alerts", "add", "shamkhani-politics", "--entity", "Shamkhani", "--topic",
                              "politics-and-government", "--webhook", webhook)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert pipeline.newsflow("alerts", "add", "floods", "--query", "flood AND rescue").returncode == 0
    down = pipeline.newsflow("alerts", "add", "shamkhani-down", "--entity", "Shamkhani", "--webhook",
                             webhook.replace("/hook", "/down"))  # fmt: skip
    assert down.returncode == 0, down.stderr
    refused = pipeline.newsflow("alerts", "add", "nothing")
    assert refused.returncode == 2 and "at least one of" in refused.stderr
    unparsable = pipeline.newsflow("alerts", "add", "broken", "--query", "title:(")
    assert unparsable.returncode == 2 and "cannot be parsed" in unparsable.stderr
    inside = pipeline.newsflow("alerts", "add", "metadata", "--query", "x", "--webhook", "http://169.254.169.254/")
    assert inside.returncode == 2 and "non-public address 169.254.169.254" in inside.stderr
    # A broken search stored before queries were checked must not keep the others from running.
    client = Elasticsearch("http://127.0.0.1:9200")
    now = datetime.now(UTC).isoformat()
    client.index(index=pipeline.setting("es_alerts_index"), id="alert:old-broken", refresh=True,
                 document={"kind": "alert", "name": "old-broken", "query": "title:(", "created_at": now,
                           "checked_until": now})  # fmt: skip
    client.close()
    listed = pipeline.newsflow("alerts", "list", "--json")
    names = sorted(json.loads(line)["name"] for line in listed.stdout.splitlines())
    assert names == ["floods", "old-broken", "shamkhani-down", "shamkhani-politics"]

    assert pipeline.newsflow("ingest", str(SAMPLES)).returncode == 0
    # Two indexers: the saved searches still run in one of them, and each webhook is delivered once.
    services = pipeline.start("run", "processor", "indexer=2")

    def both_fired() -> list[AlertMatch] | None:
        found = _fired(pipeline)
        return found if len(found) >= 2 else None

    fired = wait_for(both_fired, timeout=120)
    match, down_match = sorted(fired, key=lambda each: each.alert != "shamkhani-politics")
    assert match.alert == "shamkhani-politics" and match.title and "Tehran, Bishkek" in match.title
    assert match.matched == ["topic", "entity"]
    assert down_match.alert == "shamkhani-down" and down_match.article_id == match.article_id
    wait_for(lambda: _Hook.received, timeout=30)
    assert [hook["article_id"] for hook in _Hook.received] == [match.article_id]
    # The endpoint that is down: tried, given up, and the match is a dead letter to replay later.
    letters = wait_for(lambda: pipeline.newsflow("dlq", "list", "--stage", "alert", "--json").stdout.strip())
    (letter,) = [json.loads(line) for line in letters.splitlines()]
    assert letter["key"] == f"shamkhani-down:{match.article_id}"
    assert "failed 3 times, last: HTTP 503" in letter["reason"]

    # The same article processed and indexed again (an update) matches again but fires no second time.
    first_indexed = _indexed_at(pipeline, match.article_id)
    assert pipeline.newsflow("ingest", "--force", str(SAMPLES)).returncode == 0

    def reindexed() -> datetime | None:
        now = _indexed_at(pipeline, match.article_id)
        return datetime.fromisoformat(now) if now > first_indexed else None

    updated = wait_for(reindexed, timeout=120)
    # The alert's own watermark passes the update: its run has looked at the updated article.
    wait_for(lambda: _checked_until(pipeline, "shamkhani-politics") >= updated, timeout=60)
    tail = pipeline.newsflow("alerts", "tail", "--from-beginning", "--timeout", "5")
    assert [json.loads(line)["article_id"] for line in tail.stdout.splitlines()] == [match.article_id] * 2
    assert len(_fired(pipeline)) == 2 and len(_Hook.received) == 1

    assert pipeline.newsflow("alerts", "remove", "floods").returncode == 0
    assert pipeline.newsflow("alerts", "remove", "floods").returncode == 1
    services.send_signal(signal.SIGTERM)
    assert services.wait(timeout=90) == 0


def test_one_runner_holds_the_lease_until_it_lapses_and_a_match_is_claimed_once(pipeline: Pipeline):
    from services.indexer.alerts import STALE_CLAIM, AlertRunner, RunnerLease, ensure_alerts_index
    from services.indexer.settings import IndexerSettings
    from tests.support import settings_values

    index = pipeline.setting("es_alerts_index")
    client = Elasticsearch("http://127.0.0.1:9200")
    ensure_alerts_index(client, index)
    first, second = RunnerLease(client, index, ttl_s=1.5, holder="a"), RunnerLease(client, index, ttl_s=1.5, holder="b")
    assert first.hold() and not second.hold() and first.hold()  # held, and renewed by its holder
    time.sleep(2)  # the holder stopped renewing: its lease lapses and the other runner takes over
    assert second.hold() and not first.hold()

    sent: list[tuple[bytes, bytes]] = []

    def send(topic: str, key: bytes, value: bytes) -> SimpleNamespace:
        sent.append((key, value))
        return SimpleNamespace(get=lambda timeout: None)

    producer = SimpleNamespace(send=send)
    settings = IndexerSettings(**settings_values(pipeline.env))  # type: ignore[arg-type]
    runners = [AlertRunner(settings, client, producer) for _ in range(2)]
    match = AlertMatch(alert="floods", article_id="b" * 32, url="https://wire.example/2", indexed_at=datetime.now(UTC))
    assert runners[0]._claim("fired:floods:" + "b" * 32, match)
    assert not runners[1]._claim("fired:floods:" + "b" * 32, match)  # the other runner lost the claim
    # A claim its runner never published (it died in between) is published by a later run, once.
    old = (datetime.now(UTC) - STALE_CLAIM - timedelta(seconds=5)).isoformat()
    client.update(index=index, id="fired:floods:" + "b" * 32, doc={"claimed_at": old}, refresh=True)
    runners[1]._publish_stale_claims()
    client.indices.refresh(index=index)
    runners[0]._publish_stale_claims()
    assert [key for key, _value in sent] == [b"floods:" + b"b" * 32]
    client.close()
