"""Failover: how long articles wait when a processor or an indexer is killed, restarted or gone for good.

    python -m tests.benchmarks.failover [--rate 5] [--json out.json]

Needs the local stack (`newsflow stack up`). Articles are published to news.raw at a steady rate while the
services run as separate processes, and each article's arrival in search is watched. In each scenario a
service is SIGKILLed:

- ``processor_restart`` / ``indexer_restart``: killed and started again at once (a crash under a
  supervisor, or a rolling restart);
- ``processor_peer`` / ``indexer_peer``: two workers run, one is killed and not started again; the other
  must take its partitions over.

The figure of a scenario is the longest wait, from publication to searchable, of the articles published in
the ``--window-s`` after the kill (the restart follows at once): it includes the new process's start-up
(imports, the model, joining the group). Beside it, the same longest wait over as many seconds of steady
running before the kill, which is what the pipeline costs with no failure. Target: ≤ 15 s.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch

from schemas import RawArticle, encode
from tests.support import drop_pipeline_state, measurement_parser, private_pipeline_env, report

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES = {"processor": "services.processor.app", "indexer": "services.indexer.service"}
TEXT = (
    "Heavy rain set off a landslide that buried part of a mountain village on Tuesday, officials said. "
    "Rescue teams reached the area by evening and were searching for people missing under the mud."
)


class Load(threading.Thread):
    """Publishes articles to news.raw at a steady rate and remembers when each was sent."""

    def __init__(self, env: dict[str, str], rate_per_s: float) -> None:
        super().__init__(daemon=True)
        self.env, self.pause_s = env, 1.0 / rate_per_s
        self.sent: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        from services.common.messaging import make_producer
        from services.common.settings import KafkaSettings
        from tests.support import settings_values

        settings = KafkaSettings(**settings_values(self.env))  # type: ignore[arg-type]
        producer = make_producer(settings, "failover-load")
        number = 0
        while not self.stop.is_set():
            article = RawArticle(url=f"https://wire.example/failover/{number}", title=f"Landslide {number}",
                                 text=f"{TEXT}\n\nUpdate {number}: {uuid.uuid4().hex} more were found.")  # fmt: skip
            producer.send(settings.topic_raw, key=article.id.encode(), value=encode(article)).get(timeout=30)
            self.sent[article.id] = time.monotonic()
            number += 1
            time.sleep(self.pause_s)
        producer.close()


class Arrivals(threading.Thread):
    """Polls the search alias for the articles sent and records when each became searchable."""

    def __init__(self, alias: str, load: Load) -> None:
        super().__init__(daemon=True)
        self.alias, self.load = alias, load
        self.arrived: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        client = Elasticsearch("http://127.0.0.1:9200", request_timeout=10)
        while not self.stop.is_set():
            waiting = [key for key in list(self.load.sent) if key not in self.arrived][-2000:]
            if waiting:
                try:
                    hits = client.search(index=self.alias, size=len(waiting), source=False,
                                         query={"ids": {"values": waiting}})["hits"]["hits"]  # fmt: skip
                except Exception:  # the alias does not exist before the first article
                    hits = []
                now = time.monotonic()
                for hit in hits:
                    self.arrived.setdefault(hit["_id"], now)
            self.stop.wait(0.2)
        client.close()

    def longest_wait(self, start: float, end: float, *, timeout_s: float = 180) -> float:
        """The longest publication-to-searchable wait of the articles sent in [start, end)."""
        chosen = [key for key, sent in list(self.load.sent.items()) if start <= sent < end]
        deadline = time.monotonic() + timeout_s
        while any(key not in self.arrived for key in chosen) and time.monotonic() < deadline:
            time.sleep(0.5)
        now = time.monotonic()
        return max((self.arrived.get(key, now) - self.load.sent[key] for key in chosen), default=0.0)


def _start(module: str, env: dict[str, str], log_dir: Path, name: str) -> subprocess.Popen[bytes]:
    log = (log_dir / f"{name}.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", module], env=env, cwd=REPO_ROOT, stderr=log, stdout=log)
    log.close()
    return process


def _worker_env(env: dict[str, str], kind: str, number: int) -> dict[str, str]:
    """Worker ``number`` of a service: its own identity in the group, data directory and web port."""
    return {
        **env,
        "NEWSFLOW_INSTANCE_ID": f"{kind}-{number}",
        "NEWSFLOW_PROCESSOR_DATA_DIR": f"{env['NEWSFLOW_PROCESSOR_DATA_DIR']}-{number}",
        "NEWSFLOW_PROCESSOR_WEB_PORT": str(int(env["NEWSFLOW_PROCESSOR_WEB_PORT"]) + number),
    }


def _scenario(name: str, service: str, peers: int, options: Any, log_dir: Path) -> dict[str, float]:
    run = f"failover-{uuid.uuid4().hex[:8]}"
    env = private_pipeline_env(run, partitions=4)
    processes: dict[str, list[subprocess.Popen[bytes]]] = {"processor": [], "indexer": []}
    for kind, module in MODULES.items():
        for number in range(peers if kind == service else 1):
            processes[kind].append(_start(module, _worker_env(env, kind, number), log_dir, f"{name}-{kind}-{number}"))
    load = Load(env, options.rate)
    arrivals = Arrivals(env["NEWSFLOW_ES_ALIAS"], load)
    load.start()
    arrivals.start()
    try:
        steady_from = time.monotonic()
        while len(arrivals.arrived) < 20:  # warm: models loaded, groups joined, indices made
            if time.monotonic() - steady_from > 300:
                raise RuntimeError(f"{name}: nothing became searchable in 300 s (logs in {log_dir})")
            time.sleep(1)
        time.sleep(options.window_s * 2)
        killed_at = time.monotonic()
        steady = arrivals.longest_wait(killed_at - options.window_s, killed_at)
        victim = processes[service][-1]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        if peers == 1:  # the same worker again: same instance id, data directory and port
            again = _start(MODULES[service], _worker_env(env, service, 0), log_dir, f"{name}-{service}-0-again")
            processes[service][-1] = again
        else:
            processes[service].pop()
        time.sleep(options.window_s)
        after = arrivals.longest_wait(killed_at, killed_at + options.window_s)
        return {"longest_wait_after_kill_s": round(after, 1), "longest_wait_steady_s": round(steady, 1)}
    finally:
        load.stop.set()
        arrivals.stop.set()
        for process in [p for group in processes.values() for p in group]:
            process.terminate()
        for process in [p for group in processes.values() for p in group]:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        drop_pipeline_state(run)


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--rate", type=float, default=5.0, help="articles per second")
    parser.add_argument("--window-s", type=float, default=5.0)
    parser.add_argument("--only", help="comma-separated scenarios")
    parser.add_argument("--logs", type=Path, default=Path("/tmp/newsflow-failover-logs"))
    options = parser.parse_args(argv)
    options.logs.mkdir(parents=True, exist_ok=True)
    scenarios = {
        "processor_restart": ("processor", 1),
        "indexer_restart": ("indexer", 1),
        "processor_peer": ("processor", 2),
        "indexer_peer": ("indexer", 2),
    }
    chosen = options.only.split(",") if options.only else list(scenarios)
    results: dict[str, Any] = {}
    for name in chosen:
        service, peers = scenarios[name]
        figures = _scenario(name, service, peers, options, options.logs)
        print(f"{name}: {figures}", file=sys.stderr, flush=True)
        results[name] = figures
        results[f"{name}_s"] = figures["longest_wait_after_kill_s"]
    results["worst_s"] = max(results[f"{name}_s"] for name in chosen)
    report(results, options.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
