"""Faults on the real stack, under load: nothing valid is lost, nothing is indexed twice.

Load is what a fetcher sees in production: files of articles landing in a watched directory (the fetcher
publishes them), or articles published straight to ``news.raw`` at a steady rate. Every check is on the
index itself: the number of documents and the exact set of ids.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from deploy.local.stack import StackSettings, components, up
from schemas import RawArticle, encode
from tests.conftest import Pipeline, wait_for
from tests.support import alias_serves
from tests.unit.test_grouping import WIRE

pytestmark = pytest.mark.integration

PROCESSOR, INDEXER, FETCHER = "services.processor.app", "services.indexer.service", "services.fetcher.service"


def _articles(count: int, tag: str) -> list[RawArticle]:
    return [
        RawArticle(
            url=f"https://wire.example/{tag}/{n}",
            title=f"Landslide report {n}",
            text=f"{WIRE}\n\nThis is report {n} of the {tag} series.",
        )
        for n in range(count)
    ]


def _indexed(client: Elasticsearch, alias: str) -> tuple[int, set[str]]:
    """(document count, ids) of the alias, after a refresh."""
    if not alias_serves(client, alias):
        return 0, set()
    client.indices.refresh(index=alias)
    count = int(client.count(index=alias)["count"])
    hits = client.search(index=alias, size=10_000, source=False, query={"match_all": {}})["hits"]["hits"]
    return count, {hit["_id"] for hit in hits}


def _all_indexed(client: Elasticsearch, alias: str, expected: set[str]) -> Callable[[], tuple[int, set[str]] | None]:
    def check() -> tuple[int, set[str]] | None:
        count, ids = _indexed(client, alias)
        return (count, ids) if ids >= expected else None

    return check


class FileDrops(threading.Thread):
    """Writes the articles as JSONL files into a watched directory, a few at a time (each file appears whole)."""

    def __init__(self, inbox: Path, articles: list[RawArticle], per_file: int, pause_s: float) -> None:
        super().__init__(daemon=True)
        self.inbox, self.articles, self.per_file, self.pause_s = inbox, articles, per_file, pause_s
        self.written = 0

    def run(self) -> None:
        for start in range(0, len(self.articles), self.per_file):
            batch = self.articles[start : start + self.per_file]
            partial = self.inbox / f".drop-{start:05d}.part"
            partial.write_text("".join(article.model_dump_json() + "\n" for article in batch))
            partial.rename(self.inbox / f"drop-{start:05d}.jsonl")
            self.written += len(batch)
            time.sleep(self.pause_s)


class SteadyPublisher(threading.Thread):
    """Publishes the articles to news.raw at a steady rate through a producer that must ride out faults."""

    def __init__(self, env: dict[str, str], articles: list[RawArticle], rate_per_s: float) -> None:
        super().__init__(daemon=True)
        self.env, self.articles, self.pause_s = env, articles, 1.0 / rate_per_s
        self.sent = 0

    def run(self) -> None:
        from services.common.messaging import make_producer
        from services.common.settings import KafkaSettings
        from tests.support import settings_values

        settings = KafkaSettings(**settings_values(self.env))  # type: ignore[arg-type]
        producer = make_producer(settings, "fault-load")
        for article in self.articles:
            producer.send(settings.topic_raw, key=article.id.encode(), value=encode(article))
            self.sent += 1
            time.sleep(self.pause_s)
        producer.flush(timeout=300)
        producer.close()


@pytest.fixture
def client() -> Elasticsearch:
    return Elasticsearch("http://127.0.0.1:9200", request_timeout=30)


def _kill(process: object) -> None:
    process.send_signal(signal.SIGKILL)  # type: ignore[attr-defined]
    process.wait(timeout=30)  # type: ignore[attr-defined]


def test_each_service_killed_in_turn_mid_stream_loses_and_duplicates_nothing(
    pipeline: Pipeline, client: Elasticsearch, tmp_path: Path
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    fetcher_env = {"NEWSFLOW_FETCHER_PATHS": str(inbox), "NEWSFLOW_FETCHER_POLL_INTERVAL_S": "0.5"}
    # As `newsflow run` starts them: static group members, so a restarted one takes its partitions back
    # at once and fences its killed self (which must neither lose nor repeat anything).
    envs = {
        FETCHER: fetcher_env,
        PROCESSOR: {"NEWSFLOW_INSTANCE_ID": "processor-1"},
        INDEXER: {"NEWSFLOW_INSTANCE_ID": "indexer-1"},
    }
    running = {module: pipeline.start_service(module, env) for module, env in envs.items()}
    alias = pipeline.setting("es_alias")
    articles = _articles(300, "kill")
    load = FileDrops(inbox, articles, per_file=10, pause_s=0.5)
    load.start()
    for module, after_s in ((FETCHER, 3), (PROCESSOR, 5), (INDEXER, 5)):
        time.sleep(after_s)
        _kill(running[module])
        running[module] = pipeline.start_service(module, envs[module])
        assert load.is_alive(), f"{module} was killed after the load ended: not mid-stream"
    load.join()

    expected = {article.id for article in articles}
    count, ids = wait_for(_all_indexed(client, alias, expected), timeout=300, interval=2)
    assert ids == expected
    assert count == len(expected), "an article was indexed twice"
    assert all(process.poll() is None for process in running.values())
    members = _static_members(pipeline.setting("processor_app_id"), pipeline.setting("indexer_group"))
    assert members == {"processor-1", "indexer-1"}, "the restarted workers are not the static members"


def _static_members(*groups: str) -> set[str]:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    try:
        described = admin.describe_groups(list(groups))
    finally:
        admin.close()
    return {member["group_instance_id"] for group in described.values() for member in group["members"]}


def test_elasticsearch_down_for_a_minute_under_load_drains_its_backlog(
    pipeline: Pipeline, client: Elasticsearch, stack: StackSettings
):
    pipeline.start_service(PROCESSOR)
    indexer = pipeline.start_service(INDEXER)
    alias = pipeline.setting("es_alias")
    articles = _articles(240, "es-down")
    warm_up, rest = articles[:20], articles[20:]
    SteadyPublisher(pipeline.env, warm_up, rate_per_s=20).run()
    wait_for(_all_indexed(client, alias, {a.id for a in warm_up}), timeout=180, interval=2)

    elasticsearch = next(component for component in components(stack) if component.name == "elasticsearch")
    load = SteadyPublisher(pipeline.env, rest, rate_per_s=3)  # 220 articles over ~75 s
    load.start()
    pid = elasticsearch.pid()
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    try:
        wait_for(lambda: not elasticsearch.healthy(), timeout=60)
        time.sleep(60)
        assert indexer.poll() is None, "the indexer waits for Elasticsearch, it does not die"
        assert load.is_alive(), "the load must outlast the outage"
    finally:
        up(stack, report=lambda line: None)
    load.join()

    expected = {article.id for article in articles}
    count, ids = wait_for(_all_indexed(client, alias, expected), timeout=300, interval=2)
    assert ids == expected and count == len(expected)


def test_kafka_restarted_under_load_loses_and_duplicates_nothing(
    pipeline: Pipeline, client: Elasticsearch, stack: StackSettings, tmp_path: Path
):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    log = tmp_path / "run.log"
    pipeline.start(
        "run",
        "fetcher",
        "processor",
        "indexer",
        "--plain",
        stderr=log,
        env={"NEWSFLOW_FETCHER_PATHS": str(inbox), "NEWSFLOW_FETCHER_POLL_INTERVAL_S": "0.5"},
    )
    alias = pipeline.setting("es_alias")
    articles = _articles(200, "kafka-restart")
    files = FileDrops(inbox, articles[:100], per_file=2, pause_s=0.7)  # ~35 s
    direct = SteadyPublisher(pipeline.env, articles[100:], rate_per_s=3)  # ~33 s
    files.start()
    direct.start()
    time.sleep(6)

    kafka = next(component for component in components(stack) if component.name == "kafka")
    pid = kafka.pid()
    assert pid is not None
    os.kill(pid, signal.SIGTERM)
    try:
        wait_for(lambda: kafka.pid() is None, timeout=120)
        time.sleep(5)
        assert files.is_alive() and direct.is_alive(), "the load must outlast the outage"
    finally:
        up(stack, report=lambda line: None)
    files.join()
    direct.join(timeout=300)

    expected = {article.id for article in articles}
    count, ids = wait_for(_all_indexed(client, alias, expected), timeout=300, interval=2)
    assert ids == expected and count == len(expected)
    restarts = [json.loads(line) for line in log.read_text().splitlines() if '"event": "exited"' in line]
    print(f"services restarted by the supervisor during the outage: {[event['service'] for event in restarts]}")


def test_a_poison_message_in_each_topic_is_dead_lettered_and_the_stage_keeps_going(
    pipeline: Pipeline, client: Elasticsearch
):
    from kafka import KafkaProducer

    pipeline.start("run", "processor", "indexer", "--plain")
    producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092")
    poison = {
        "topic_raw": b'{"url": "not a url", "text": 42}',
        "topic_clean": b"\x89PNG\r\n\x1a\n binary where an article should be",
        "topic_grouped": b'{"id": "y", "body": ""}',
        "topic_enriched": b'{"id": "x", "url": "https://wire.example/a", "unexpected": true}',
    }
    for setting, value in poison.items():
        producer.send(pipeline.setting(setting), key=f"poison-{setting}".encode(), value=value)
    after = _articles(3, "after-poison")
    for article in after:
        producer.send(pipeline.setting("topic_raw"), key=article.id.encode(), value=encode(article))
    producer.flush()
    producer.close()

    wait_for(_all_indexed(client, pipeline.setting("es_alias"), {a.id for a in after}), timeout=180, interval=2)

    def letters() -> list[dict[str, object]] | None:
        found = pipeline.messages("topic_dlq")
        return found if len(found) >= 4 else None

    found = wait_for(letters, timeout=60)
    by_topic = {letter["source_topic"]: letter for letter in found}
    assert set(by_topic) == {pipeline.setting(setting) for setting in poison}
    assert by_topic[pipeline.setting("topic_raw")]["stage"] == "clean"
    assert by_topic[pipeline.setting("topic_clean")]["stage"] == "group"
    assert by_topic[pipeline.setting("topic_grouped")]["stage"] == "enrich"
    assert by_topic[pipeline.setting("topic_enriched")]["stage"] == "index"
    assert all(letter["reason"] and str(letter["key"]).startswith("poison-") for letter in found)
