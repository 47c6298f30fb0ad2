"""`newsflow stack`: the real Kafka broker and Elasticsearch node, started without Docker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deploy.local.stack import StackError, StackSettings, find_java_home, kafka_libs, status, up
from tests.conftest import NEWSFLOW, REPO_ROOT

pytestmark = pytest.mark.integration


def _pids(settings: StackSettings) -> dict[str, int | None]:
    return {state.name: state.pid for state in status(settings)}


def test_second_stack_up_restarts_nothing_and_needs_no_download(stack):
    before = _pids(stack)
    assert all(before.values()), before
    # No Maven on the PATH: a warm `up` must not try to download anything.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    env["PATH"] = ":".join(p for p in env["PATH"].split(":") if not (Path(p) / "mvn").exists())
    started = time.monotonic()
    result = subprocess.run([*NEWSFLOW, "stack", "up"], env=env, cwd=REPO_ROOT, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    print(f"warm `stack up` took {elapsed:.1f}s")
    assert result.returncode == 0, result.stderr
    assert "kafka: already running" in result.stdout
    assert "elasticsearch: already running" in result.stdout
    assert _pids(stack) == before


def test_status_names_health_version_and_address(stack):
    result = subprocess.run([*NEWSFLOW, "stack", "status"], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    kafka_line, es_line = result.stdout.strip().splitlines()
    assert kafka_line.split()[:4] == ["kafka", "up", stack.kafka_version, "127.0.0.1:9092"]
    assert es_line.split()[:4] == ["elasticsearch", "up", stack.es_version, "http://127.0.0.1:9200"]


def test_services_listen_on_loopback_only(stack):
    listening = subprocess.run(["ss", "-Hltn"], capture_output=True, text=True, check=False).stdout
    for port in (stack.kafka_port, stack.kafka_controller_port, stack.es_port, stack.es_transport_port):
        addresses = [line.split()[3] for line in listening.splitlines() if line.split()[3].endswith(f":{port}")]
        assert addresses, f"nothing listens on {port}"
        assert all("127.0.0.1" in address for address in addresses), addresses


def test_a_port_taken_by_someone_else_is_a_clear_error(stack, tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        other = StackSettings(dir=tmp_path / "stack", cache_dir=stack.cache_dir, kafka_port=port)
        with pytest.raises(StackError, match=f"port {port} is in use by a process newsflow did not start"):
            up(other, report=lambda _line: None)


def test_missing_maven_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(StackError, match=r"Maven \(mvn\) is not installed"):
        kafka_libs(StackSettings(cache_dir=tmp_path / "empty-cache", dir=tmp_path / "stack"))


def test_missing_java_is_a_clear_error():
    with pytest.raises(StackError, match="no Java 99\\+ found"):
        find_java_home(99)
