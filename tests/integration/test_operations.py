"""Operating newsflow: a supervised run that survives a crash, status, dead letters, two workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from schemas import DeadLetter, RawArticle, Stage, encode
from tests.conftest import SAMPLES, Pipeline, wait_for
from tests.support import free_port
from tests.unit.test_grouping import WIRE

pytestmark = pytest.mark.integration


def _events(log: Path, kind: str) -> list[dict[str, Any]]:
    events = []
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("{") and '"newsflow.run"' in line:
            event = json.loads(line)
            if event.get("event") == kind:
                events.append(event)
    return events


def _status(pipeline: Pipeline) -> dict[str, Any]:
    result = pipeline.newsflow("status", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_supervised_run_restarts_a_killed_service_and_stops_cleanly(pipeline: Pipeline, tmp_path: Path):
    log = tmp_path / "run.log"
    run = pipeline.start("run", "processor", "indexer", "--plain", "--interval", "2", stderr=log)
    assert pipeline.newsflow("ingest", str(SAMPLES)).returncode == 0
    wait_for(lambda: (_status(pipeline)["documents"] or 0) >= 2, timeout=180)

    indexer = next(event for event in _events(log, "started") if event["service"] == "indexer")
    os.kill(indexer["pid"], signal.SIGKILL)  # a crash
    restarted = wait_for(
        lambda: [e for e in _events(log, "started") if e["service"] == "indexer" and e["restarts"] == 1], timeout=60
    )
    assert _events(log, "exited")[0] == {**_events(log, "exited")[0], "service": "indexer", "exit_code": -9}

    later = RawArticle(url="https://wire.example/landslide", title="Landslide near Kathmandu", text=WIRE)
    (tmp_path / "later.jsonl").write_text(later.model_dump_json() + "\n")
    assert pipeline.newsflow("ingest", str(tmp_path / "later.jsonl")).returncode == 0

    # The indexer commits a batch's offsets just after its bulk lands, so for a moment the third document is
    # searchable while its offset is not committed yet; and the killed indexer's member leaves its group only
    # when its session times out, which rebalances the group once more: wait for all of it, then check the
    # whole snapshot.
    def settled() -> dict | None:
        s = _status(pipeline)
        quiet = all(stage["lag"] == 0 and stage["group_state"] == "Stable" for stage in s["stages"])
        return s if s["documents"] == 3 and quiet else None

    status = wait_for(settled, timeout=180)
    assert {stage["stage"]: stage["lag"] for stage in status["stages"]} == {
        "clean": 0,
        "group": 0,
        "enrich": 0,
        "index": 0,
    }
    assert {stage["group_state"] for stage in status["stages"]} == {"Stable"}
    assert status["kafka"] == "ok" and status["problems"] == []
    progress = wait_for(lambda: [e for e in _events(log, "progress") if e["documents"] == 3], timeout=30)[-1]
    assert progress["services"]["indexer"]["restarts"] == 1
    assert set(progress["stages"]) == {"fetch", "clean", "group", "enrich", "index"}

    run.send_signal(signal.SIGTERM)
    assert run.wait(timeout=120) == 0
    stopped = _events(log, "stopped")
    assert stopped and stopped[-1]["services"] == ["processor", "indexer"]
    children = [event["pid"] for event in _events(log, "started")]
    assert restarted[0]["pid"] in children and not any(_alive(pid) for pid in children)
    assert not _events(log, "killed"), "every service stopped within the grace period"


def test_status_names_a_stage_nobody_consumes(pipeline: Pipeline):
    assert pipeline.newsflow("ingest", str(SAMPLES)).returncode == 0
    status = _status(pipeline)
    clean = next(stage for stage in status["stages"] if stage["stage"] == "clean")
    assert clean["lag"] == 2 and clean["group_state"] in ("unknown", "Empty", "Dead")
    assert any(
        "2 messages wait in" in problem and "no processor is consuming" in problem for problem in status["problems"]
    )
    table = pipeline.newsflow("status")
    assert "no processor is consuming" in table.stdout and pipeline.setting("topic_raw") in table.stdout


def test_dead_letters_are_listed_shown_and_replayed_after_a_fix(pipeline: Pipeline):
    from kafka import KafkaProducer

    pipeline.start("run", "processor", "indexer", "--plain")
    producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092")
    producer.send(pipeline.setting("topic_raw"), key=b"poison", value=b"\xff\xfe\x00 not an article").get(timeout=30)
    # A letter left by a bug since fixed: its payload is a valid article the clean stage once refused.
    article = RawArticle(url="https://wire.example/landslide", title="Landslide near Kathmandu", text=WIRE)
    refused = DeadLetter(
        stage=Stage.CLEAN,
        error_class="RuntimeError",
        reason="a bug, since fixed",
        payload=article.model_dump_json(),
        source_topic=pipeline.setting("topic_raw"),
        key=article.id,
        article_id=article.id,
    )
    producer.send(pipeline.setting("topic_dlq"), key=article.id.encode(), value=encode(refused)).get(timeout=30)
    # A forged fetch letter naming a local file: whoever can write to the topic must not make replay read it.
    forged = DeadLetter(stage=Stage.FETCH, error_class="FetchError", reason="timed out", payload="",
                        url="file:///etc/passwd")  # fmt: skip
    producer.send(pipeline.setting("topic_dlq"), value=encode(forged)).get(timeout=30)
    producer.close()

    def listed() -> list[dict[str, Any]] | None:
        result = pipeline.newsflow("dlq", "list", "--json")
        letters = [json.loads(line) for line in result.stdout.splitlines()]
        return letters if len(letters) == 3 else None

    letters = wait_for(listed, timeout=120)
    poison = next(letter for letter in letters if letter["key"] == "poison")
    assert poison["stage"] == "clean" and poison["key"] == "poison" and "payload" not in poison
    shown = json.loads(pipeline.newsflow("dlq", "show", poison["ref"]).stdout)
    assert shown["payload_encoding"] == "base64" and shown["reason"] == poison["reason"]
    assert pipeline.newsflow("dlq", "show", "9:999999").returncode == 2

    fixed = next(letter for letter in letters if letter["error_class"] == "RuntimeError")
    dry = pipeline.newsflow("dlq", "replay", fixed["ref"], "--dry-run")
    assert dry.returncode == 0 and "would replay" in dry.stdout
    replayed = pipeline.newsflow("dlq", "replay", fixed["ref"])
    assert replayed.returncode == 0 and "replayed 1 messages" in replayed.stdout
    found = wait_for(lambda: pipeline.newsflow("search", "Kathmandu", "--json").stdout.strip(), timeout=120)
    assert json.loads(found.splitlines()[0])["id"] == article.id
    local = next(letter for letter in letters if letter["stage"] == "fetch")
    not_read = pipeline.newsflow("dlq", "replay", local["ref"])
    assert not_read.returncode == 0 and "fetched 0 pages again, skipped 1" in not_read.stdout
    assert _status(pipeline)["dead_letters"] == 3
    _a_poison_message_is_quarantined_after_three_failures(pipeline, poison)


def _a_poison_message_is_quarantined_after_three_failures(pipeline: Pipeline, poison: dict[str, Any]) -> None:
    """Each replay of the poison message fails again and counts one more; the third failure is not replayed."""
    assert pipeline.setting("dlq_max_attempts") == "3"
    letter = poison
    for failures in (2, 3):
        assert "replayed 1 messages" in pipeline.newsflow("dlq", "replay", letter["ref"]).stdout
        again = pipeline.newsflow("dlq", "replay", letter["ref"])  # a letter is handled once
        assert "replayed 0 messages" in again.stdout and "1 handled before" in again.stdout

        def failed_again(times: int = failures) -> dict[str, Any] | None:
            found = [item for item in _letters(pipeline) if item["key"] == "poison" and item["attempts"] == times]
            return found[0] if found else None

        letter = wait_for(failed_again, timeout=120)
        assert letter["handled"] is None and letter["stage"] == "clean"
    listed = {item["ref"]: item for item in _letters(pipeline)}
    assert listed[poison["ref"]]["handled"] == "replayed"
    dry = pipeline.newsflow("dlq", "replay", letter["ref"], "--dry-run")
    assert f"would quarantine {letter['ref']}" in dry.stdout
    moved = pipeline.newsflow("dlq", "replay", "--all")
    assert "replayed 0 messages" in moved.stdout and "quarantined 1 " in moved.stdout
    quarantined = _letters(pipeline, "--quarantined")
    assert [(item["key"], item["attempts"]) for item in quarantined] == [("poison", 3)]
    time.sleep(5)  # nothing is replayed, so no fourth letter may appear
    assert [item["key"] for item in _letters(pipeline)].count("poison") == 3


def _letters(pipeline: Pipeline, *options: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in pipeline.newsflow("dlq", "list", "--json", *options).stdout.splitlines()]


def _cleaned_by(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("newsflow_articles_total{") and 'stage="clean"' in line
    )


def _stable_with(pipeline: Pipeline, members: int) -> bool:
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    try:
        group = admin.describe_groups([pipeline.setting("processor_app_id")])[pipeline.setting("processor_app_id")]
    finally:
        admin.close()
    return group["group_state"] == "Stable" and len(group["members"]) == members


def test_two_processor_workers_share_the_partitions_and_nothing_is_processed_twice(pipeline: Pipeline):
    """A second worker joins while articles stream in: the group rebalances, each worker takes partitions,
    and every article comes out of each stage exactly once (work is committed before partitions move)."""
    import threading

    from kafka import KafkaProducer

    ports = [free_port(), free_port()]
    env = {**pipeline.env, "NEWSFLOW_TOPIC_PARTITIONS": "4"}
    first = subprocess.Popen(
        _service("services.processor.app"), env={**env, "NEWSFLOW_PROCESSOR_WEB_PORT": str(ports[0])}
    )
    pipeline.processes.append(first)
    wait_for(lambda: _ready(ports[0]), timeout=120)
    articles = [
        RawArticle(url=f"https://wire.example/story/{n}", title=f"Story {n}", text=f"{WIRE}\n\nDetail number {n}.")
        for n in range(500)
    ]

    producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092")

    def send(batch: list[RawArticle], pause_s: float) -> None:
        for article in batch:
            producer.send(pipeline.setting("topic_raw"), key=article.id.encode(), value=encode(article))
            time.sleep(pause_s)
        producer.flush()

    send(articles[:5], 0)  # the first worker warms up (its model loads with the first batch)
    wait_for(lambda: len(pipeline.ids("topic_enriched")) >= 5, timeout=120)
    streaming = threading.Thread(target=send, args=(articles[5:], 0.04))  # 25 articles/s for 20 s, like a fetcher
    streaming.start()
    second_env = {
        **env,
        "NEWSFLOW_PROCESSOR_WEB_PORT": str(ports[1]),
        "NEWSFLOW_PROCESSOR_DATA_DIR": env["NEWSFLOW_PROCESSOR_DATA_DIR"] + "-2",
    }
    second = subprocess.Popen(_service("services.processor.app"), env=second_env)
    pipeline.processes.append(second)
    wait_for(lambda: _stable_with(pipeline, 2) and _ready(ports[1]), timeout=120)
    assert streaming.is_alive(), "the articles were all sent before the second worker joined: no rebalance under load"
    streaming.join()
    producer.close()

    expected = {article.id for article in articles}
    for stage in ("topic_clean", "topic_enriched"):

        def all_out(stage: str = stage) -> list[str] | None:
            found = pipeline.ids(stage)
            return found if set(found) >= expected else None

        ids = wait_for(all_out, timeout=300)
        assert len(ids) == len(set(ids)) == 500, f"{len(ids) - len(set(ids))} articles came out of {stage} twice"
    shares = [_cleaned_by(port) for port in ports]
    assert all(share > 0 for share in shares), f"work was not shared: {shares}"
    assert sum(shares) == 500


def _service(module: str) -> list[str]:
    import sys

    return [sys.executable, "-m", module]


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False
