"""`newsflow run` restarts a crashed service with back-off and stops everything cleanly."""

from __future__ import annotations

import sys
import time
from typing import Any

import pytest

from services.operations.supervisor import Supervisor, parse_workers


def test_workers_are_named_with_an_optional_count():
    assert parse_workers([]) == {"fetcher": 1, "processor": 1, "indexer": 1}
    assert parse_workers([], processors=2) == {"fetcher": 1, "processor": 2, "indexer": 1}
    assert parse_workers(["processor=2", "indexer"]) == {"processor": 2, "indexer": 1}
    with pytest.raises(ValueError, match="unknown service 'crawler'"):
        parse_workers(["crawler"])
    with pytest.raises(ValueError, match="1 to 32"):
        parse_workers(["processor=0"])
    with pytest.raises(ValueError, match="one fetcher"):
        parse_workers(["fetcher=2"])


def test_by_default_a_processor_runs_on_each_core_up_to_the_partitions(monkeypatch):
    from services.operations import supervisor

    monkeypatch.setattr(supervisor.os, "cpu_count", lambda: 8)
    assert supervisor.default_processors(partitions=4) == 4
    monkeypatch.setattr(supervisor.os, "cpu_count", lambda: 2)
    assert supervisor.default_processors(partitions=4) == 2
    monkeypatch.setattr(supervisor.os, "cpu_count", lambda: None)
    assert supervisor.default_processors(partitions=4) == 1


def test_extra_workers_get_their_own_metrics_port_and_data_dir():
    env = {"NEWSFLOW_PROCESSOR_WEB_PORT": "7000", "NEWSFLOW_PROCESSOR_DATA_DIR": "/tmp/p"}
    children = Supervisor({"processor": 3, "indexer": 1}, env=env).children
    assert [child.name for child in children] == ["processor", "processor-2", "processor-3", "indexer"]
    assert [child.env["NEWSFLOW_PROCESSOR_WEB_PORT"] for child in children[:3]] == ["7000", "7001", "7002"]
    assert children[2].env["NEWSFLOW_PROCESSOR_DATA_DIR"] == "/tmp/p-3"
    free = Supervisor({"indexer": 2}, env={"NEWSFLOW_INDEXER_METRICS_PORT": "0"}).children
    assert [child.env["NEWSFLOW_INDEXER_METRICS_PORT"] for child in free] == ["0", "0"]  # each picks a free one


def test_each_group_worker_has_a_stable_identity_of_its_own_so_a_restart_takes_its_partitions_back():
    children = Supervisor({"processor": 2, "indexer": 1, "fetcher": 1}, env={}).children
    ids = {child.name: child.env.get("NEWSFLOW_INSTANCE_ID") for child in children}
    assert ids == {"processor": "{hostname}-processor-1", "processor-2": "{hostname}-processor-2",
                   "indexer": "{hostname}-indexer-1", "fetcher": "{hostname}-fetcher-1"}  # fmt: skip
    named = Supervisor({"indexer": 1}, env={"NEWSFLOW_INSTANCE_ID": "edge-7"}).children
    assert named[0].env["NEWSFLOW_INSTANCE_ID"] == "edge-7-indexer-1"


def _until(check: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.05)


def test_a_crashing_service_is_restarted_with_growing_back_off():
    events: list[dict[str, Any]] = []
    crashing = Supervisor(
        {"indexer": 1}, emit=events.append, command=lambda service: [sys.executable, "-c", "raise SystemExit(3)"]
    )
    child = crashing.children[0]
    child.backoff_s = 0.2  # the first back-off (1 s in service), shortened for the test
    crashing.start()

    def restarted_twice() -> bool:
        crashing.check()
        return child.restarts >= 2

    _until(restarted_twice)
    exits = [event for event in events if event["event"] == "exited"]
    assert [event["exit_code"] for event in exits[:2]] == [3, 3]
    assert exits[1]["restart_in_s"] == 2 * exits[0]["restart_in_s"]
    crashing.stop(grace_s=5)


def test_stopping_sends_sigterm_and_waits_for_a_clean_exit():
    events: list[dict[str, Any]] = []
    program = "import signal, sys, time\nsignal.signal(signal.SIGTERM, lambda *a: sys.exit(0))\ntime.sleep(60)"
    running = Supervisor({"processor": 2}, emit=events.append, command=lambda service: [sys.executable, "-c", program])
    running.start()
    time.sleep(0.5)
    running.check()
    assert all(child.state == "running" for child in running.children)
    running.stop(grace_s=10)
    assert [child.last_exit for child in running.children] == [0, 0]
    assert events[-1] == {"event": "stopped", "services": ["processor", "processor-2"]}
    assert not any(event["event"] == "killed" for event in events)


def test_a_service_that_ignores_sigterm_is_killed_after_the_grace_period():
    program = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(60)"
    events: list[dict[str, Any]] = []
    stubborn = Supervisor({"indexer": 1}, emit=events.append, command=lambda service: [sys.executable, "-c", program])
    stubborn.start()
    time.sleep(0.5)
    stubborn.stop(grace_s=1)
    assert stubborn.children[0].last_exit == -9
    assert {"event": "killed", "service": "indexer", "after_s": 1} in events
