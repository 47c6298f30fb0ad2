"""Shared fixtures: the real local stack for integration tests, and a private pipeline per test."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

from schemas.codec import MAX_MESSAGE_BYTES
from tests.support import drop_pipeline_state, private_pipeline_env

T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "deploy" / "samples"
NEWSFLOW = [sys.executable, "-m", "services.operations.cli"]


@pytest.fixture(scope="session")
def stack() -> Iterator[object]:
    """The real Kafka broker and Elasticsearch node; started here (and stopped after) if not running."""
    from deploy.local.stack import StackSettings, down, status, up

    settings = StackSettings()
    already_up = all(component.healthy for component in status(settings))
    if not already_up:
        up(settings, report=lambda line: print(f"[stack] {line}", file=sys.stderr))
    yield settings
    if not already_up:
        down(settings, report=lambda line: print(f"[stack] {line}", file=sys.stderr))


@dataclass
class Pipeline:
    """A private set of topics, consumer groups and index names, so tests never see each other's data."""

    env: dict[str, str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def newsflow(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*NEWSFLOW, *args], env=self.env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout
        )

    def start(
        self, *args: str, stderr: Path | None = None, env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """A `newsflow` command in the background (stopped after the test); ``stderr`` keeps its log lines."""
        log = stderr.open("ab") if stderr is not None else None
        process = subprocess.Popen([*NEWSFLOW, *args], env={**self.env, **(env or {})}, cwd=REPO_ROOT, stderr=log)
        if log is not None:
            log.close()  # the child holds its own descriptor
        self.processes.append(process)
        return process

    def start_service(self, module: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        """One service process on its own, without the `newsflow run` supervisor (to kill it alone)."""
        process = subprocess.Popen([sys.executable, "-m", module], env={**self.env, **(env or {})}, cwd=REPO_ROOT)
        self.processes.append(process)
        return process

    def setting(self, name: str) -> str:
        return self.env[f"NEWSFLOW_{name.upper()}"]

    def messages(self, topic_setting: str) -> list[dict[str, Any]]:
        """Every message now in one of this pipeline's topics (by setting name), decoded from JSON, in
        partition order."""
        from kafka import KafkaConsumer

        consumer = KafkaConsumer(
            self.setting(topic_setting),
            bootstrap_servers="127.0.0.1:9092",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            consumer_timeout_ms=3000,
            max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        )
        try:
            return [json.loads(record.value) for record in consumer]
        finally:
            consumer.close()

    def ids(self, topic_setting: str) -> list[str]:
        """The article ids in one of this pipeline's topics, repeats included."""
        return [message["id"] for message in self.messages(topic_setting)]


@pytest.fixture
def pipeline(stack: object) -> Iterator[Pipeline]:
    run = uuid.uuid4().hex[:10]
    env = private_pipeline_env(f"test-{run}")
    pipeline = Pipeline(env)
    yield pipeline
    for process in pipeline.processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
    drop_pipeline_state(f"test-{run}")


def wait_for(check: Callable[[], T | None], timeout: float = 90, interval: float = 0.5) -> T:
    """Poll ``check`` until it returns something truthy; fail the test with its last value otherwise."""
    deadline = time.monotonic() + timeout
    value: T | None = None
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
