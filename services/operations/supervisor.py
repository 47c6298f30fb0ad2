"""`newsflow run`: the services as supervised child processes, with a live view of what they do.

A child that exits on its own is restarted after a back-off (1 s, doubling to 60 s; reset once it has
run for a minute), because a broker restart or a bug hit by one message must not stop the pipeline for
good. Ctrl-C or SIGTERM asks every child to finish its batch and commit (SIGTERM), waits, and kills only
what is still running after the grace period. Several workers of one service (``processor=2``) share its
consumer group; each gets its own metrics port.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from services.common.topology import SERVICES, service_spec

SERVICE_MODULES = {spec.name: spec.module for spec in SERVICES}
REPO_ROOT = Path(__file__).resolve().parents[2]
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 60.0
STABLE_AFTER_S = 60.0


def port_setting(service_name: str) -> tuple[str, int | None]:
    """The environment variable of a service's metrics port and its default (worker n listens on base + n - 1)."""
    from services.operations.status import PipelineSettings

    field = service_spec(service_name).port_setting
    return f"NEWSFLOW_{field.upper()}", PipelineSettings.model_fields[field].default


def default_processors(partitions: int) -> int:
    """One processor worker per CPU core, as many as the partitions let work: clean and enrich are
    CPU-bound, and one worker uses one core (measured: end to end 0.68 of offline with one worker on two
    cores, 0.96 with two)."""
    return max(1, min(os.cpu_count() or 1, partitions))


def parse_workers(specs: list[str], *, processors: int = 1) -> dict[str, int]:
    """``["fetcher", "processor=2"]`` → ``{"fetcher": 1, "processor": 2}``; no specs means every service,
    with ``processors`` processor workers."""
    if not specs:
        return {spec.name: processors if spec.name == "processor" else 1 for spec in SERVICES}
    workers: dict[str, int] = {}
    for spec in specs:
        name, _, count = spec.partition("=")
        if name not in SERVICE_MODULES:
            raise ValueError(f"unknown service {name!r}; choose from {', '.join(SERVICE_MODULES)}")
        if count and not (count.isdigit() and 1 <= int(count) <= 32):
            raise ValueError(f"{spec}: the number of workers must be 1 to 32")
        if name == "fetcher" and count and int(count) > 1:
            raise ValueError("one fetcher per pipeline: it schedules every source (use NEWSFLOW_FETCHER_WORKERS)")
        workers[name] = int(count or 1)
    return workers


@dataclass
class Child:
    """One worker process and what the supervisor knows about it."""

    name: str  # "processor", "processor-2"
    service: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    backoff_s: float = FIRST_BACKOFF_S
    restart_at: float | None = None
    last_exit: int | None = None
    log_file: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None and self.process.poll() is None else None

    @property
    def state(self) -> str:
        if self.pid is not None:
            return "running"
        if self.restart_at is not None:
            return f"restarting in {max(0.0, self.restart_at - time.monotonic()):.0f}s"
        return "stopped"


@dataclass
class Supervisor:
    workers: dict[str, int]
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    log_dir: Path | None = None  # children's logs go here (the live view owns the terminal); else inherited
    emit: Callable[[dict[str, Any]], None] = lambda event: None
    command: Callable[[str], list[str]] = lambda service: [sys.executable, "-m", SERVICE_MODULES[service]]
    children: list[Child] = field(default_factory=list)

    def __post_init__(self) -> None:
        for service, count in self.workers.items():
            for number in range(1, count + 1):
                name = service if number == 1 else f"{service}-{number}"
                self.children.append(Child(name, service, self._worker_env(service, number)))

    def _worker_env(self, service: str, number: int) -> dict[str, str]:
        env = dict(self.env)
        setting, default = port_setting(service)
        base = env.get(setting, str(default))
        if number > 1 and base.isdigit() and int(base) != 0:
            env[setting] = str(int(base) + number - 1)
        # Every service is a static group member: a child restarted under its id takes its work back at once.
        env["NEWSFLOW_INSTANCE_ID"] = f"{self.env.get('NEWSFLOW_INSTANCE_ID') or '{hostname}'}-{service}-{number}"
        if service == "processor" and number > 1:
            data_dir = env.get("NEWSFLOW_PROCESSOR_DATA_DIR")
            if data_dir:
                env["NEWSFLOW_PROCESSOR_DATA_DIR"] = f"{data_dir}-{number}"
        return env

    # ------------------------------------------------------------------------------- lifecycle

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: Child) -> None:
        stderr: IO[bytes] | None = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            if child.log_file is None:
                child.log_file = (self.log_dir / f"{child.name}.log").open("ab")
            stderr = child.log_file
        child.process = subprocess.Popen(
            self.command(child.service),
            env=child.env,
            stdout=stderr,
            stderr=stderr,
            cwd=REPO_ROOT,
            preexec_fn=_die_with_parent,
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        self.emit({"event": "started", "service": child.name, "pid": child.process.pid, "restarts": child.restarts})

    def check(self) -> None:
        """Notice children that exited and restart them when their back-off has passed."""
        now = time.monotonic()
        for child in self.children:
            if child.process is not None and child.restart_at is None and child.process.poll() is not None:
                child.last_exit = child.process.returncode
                if now - child.started_at >= STABLE_AFTER_S:
                    child.backoff_s = FIRST_BACKOFF_S
                child.restart_at = now + child.backoff_s
                self.emit(
                    {
                        "event": "exited",
                        "service": child.name,
                        "exit_code": child.last_exit,
                        "restart_in_s": child.backoff_s,
                    }
                )
                child.backoff_s = min(child.backoff_s * 2, MAX_BACKOFF_S)
            if child.restart_at is not None and now >= child.restart_at:
                child.restarts += 1
                self._spawn(child)

    def stop(self, grace_s: float = 60.0, *, hurry: Callable[[], bool] = lambda: False) -> None:
        """SIGTERM everyone (they finish and commit their batch), wait, then kill what is left — at once if
        ``hurry()`` turns true (a second Ctrl-C)."""
        running = [child for child in self.children if child.pid is not None]
        for child in running:
            assert child.process is not None
            child.process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        deadline = started + grace_s
        for child in running:
            assert child.process is not None
            while child.process.poll() is None and time.monotonic() < deadline and not hurry():
                time.sleep(0.1)
            if child.process.poll() is None:
                self.emit({"event": "killed", "service": child.name, "after_s": round(time.monotonic() - started)})
                child.process.kill()
                child.process.wait()
            child.last_exit = child.process.returncode
        for child in self.children:
            child.restart_at = None
            if child.log_file is not None:
                child.log_file.close()
        self.emit({"event": "stopped", "services": [child.name for child in self.children]})


def _die_with_parent() -> None:
    """Children get SIGTERM if the supervisor itself dies (Linux), so nothing is left running."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def json_line(event: dict[str, Any]) -> None:
    """A structured line on stderr, for when there is no terminal to draw on."""
    print(
        json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "logger": "newsflow.run", **event}),
        file=sys.stderr,
        flush=True,
    )
