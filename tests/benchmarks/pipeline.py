"""End to end: files dropped for the fetcher → searchable, against the offline `newsflow process` rate.

    python -m tests.benchmarks.pipeline [--articles 300] [--rounds 3] [--json out.json]

Needs the local stack (`newsflow stack up`). Input: BBC News articles of ../shared/data as RawArticles.
Measured in one run, side by side:

- offline: the cleaning and enrichment code over the same articles in one process, no servers (clean each,
  enrich in batches of 32), as `newsflow process --workers 1` does it;
- end to end: fetcher (watching a directory), processor and indexer, already warm; one JSONL file of all
  the articles is dropped in the directory; articles/s from the drop to the last becoming searchable, and
  (reading high, for comparison with earlier runs) from the first to the last becoming searchable;
- the two alternate ``--rounds`` times (fresh articles each round); the ratio is the median of the rounds'
  ratios, so a noisy neighbour skews both sides of a ratio alike; the CPU seconds each process used during
  the end-to-end rounds say where the time went (services, Kafka, Elasticsearch, this script's watcher);
- latency: then one article at a time at half the end-to-end rate; drop-to-searchable p50 and p99;
- memory: the peak resident set (VmHWM) of each service process at the end.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient

from deploy.local.stack import StackSettings, components
from schemas import RawArticle
from services.fetcher.inputs import split_seed_text
from services.operations.supervisor import default_processors
from services.processor.clean import clean
from services.processor.enrich import enrich_batch
from tests.support import free_port, measurement_parser, private_pipeline_env, report

REPO_ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "fetcher": "services.fetcher.service",
    "processor": "services.processor.app",
    "indexer": "services.indexer.service",
}


def load_articles(data: Path, count: int, tag: str) -> list[RawArticle]:
    paths = sorted((data / "bbc-news").glob("*/*.txt"))
    articles = []
    for n in range(count):
        path = paths[n % len(paths)]
        title, body = split_seed_text(path.read_text(encoding="utf-8", errors="replace"))
        url = f"https://bench.example/{tag}/{n // len(paths)}/{path.parent.name}/{path.stem}"
        articles.append(RawArticle(url=url, title=title, text=body))
    return articles


def offline_rate(articles: list[RawArticle]) -> float:
    """Articles/s of clean + enrich in one process (model loaded and warmed up first)."""
    enrich_batch([clean(article) for article in articles[:8]])
    started = time.perf_counter()
    cleaned = [clean(article) for article in articles]
    for start in range(0, len(cleaned), 32):
        enrich_batch(cleaned[start : start + 32])
    return len(articles) / (time.perf_counter() - started)


class Searchable:
    """Watches the alias and notes when each id first became searchable."""

    def __init__(self, client: Elasticsearch, alias: str) -> None:
        self.client, self.alias = client, alias
        self.waiting: dict[str, float] = {}  # id → when it was dropped
        self.seen: dict[str, float] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def start(self) -> Searchable:
        self._thread.start()
        return self

    def _watch(self) -> None:
        while not self._done.is_set():
            pending = [article_id for article_id in list(self.waiting) if article_id not in self.seen][:1000]
            if pending:
                try:
                    hits = self.client.search(
                        index=self.alias, size=len(pending), query={"ids": {"values": pending}}, source=False
                    )["hits"]["hits"]
                except Exception:
                    hits = []  # the alias appears with the first document
                now = time.monotonic()
                for hit in hits:
                    self.seen.setdefault(hit["_id"], now)
            time.sleep(0.05)

    def wait_all(self, ids: list[str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while any(article_id not in self.seen for article_id in ids):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{sum(i not in self.seen for i in ids)} articles never became searchable")
            time.sleep(0.1)

    def stop(self) -> None:
        self._done.set()
        self._thread.join(timeout=5)


def drop(inbox: Path, articles: list[RawArticle], watcher: Searchable) -> None:
    """Write one JSONL file into the watched directory (appearing whole) and note the time."""
    partial = inbox / f".{uuid.uuid4().hex}.part"
    partial.write_text("".join(article.model_dump_json() + "\n" for article in articles))
    dropped = time.monotonic()
    partial.rename(inbox / f"{uuid.uuid4().hex}.jsonl")
    for article in articles:
        watcher.waiting[article.id] = dropped


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3, help="offline and end to end alternate this often")
    parser.add_argument("--latency-s", type=float, default=30.0, help="how long the steady load runs")
    parser.add_argument(
        "--processors", type=int, default=default_processors(4), help="processor workers (default: as `newsflow run`)"
    )
    args = parser.parse_args(argv)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    env = private_pipeline_env(run, partitions=4, log_level="WARNING")
    inbox = Path(tempfile.mkdtemp(prefix="newsflow-bench-inbox-"))
    env |= {"NEWSFLOW_FETCHER_PATHS": str(inbox), "NEWSFLOW_FETCHER_POLL_INTERVAL_S": "0.25"}
    client = Elasticsearch("http://127.0.0.1:9200")
    watcher = Searchable(client, env["NEWSFLOW_ES_ALIAS"]).start()
    workers = {"fetcher": 1, "processor": args.processors, "indexer": 1}
    processes = {
        name if number == 1 else f"{name}-{number}": subprocess.Popen(
            [sys.executable, "-m", module],
            env={
                **env,
                "NEWSFLOW_PROCESSOR_WEB_PORT": str(free_port()),
                "NEWSFLOW_PROCESSOR_DATA_DIR": f"/tmp/{run}-{number}",
            },
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for name, module in SERVICES.items()
        for number in range(1, workers[name] + 1)
    }
    try:
        warm_up = load_articles(args.data, 10, f"{run}-warm")
        drop(inbox, warm_up, watcher)
        watcher.wait_all([a.id for a in warm_up], timeout=300)

        offline_rates, end_to_end_rates, first_to_last_rates = [], [], []
        accounted: dict[str, int | None] = {name: process.pid for name, process in processes.items()}
        accounted |= {component.name: component.pid() for component in components(StackSettings())}
        accounted["benchmark (watcher)"] = os.getpid()
        cpu = dict.fromkeys(accounted, 0.0)
        for number in range(args.rounds):
            articles = load_articles(args.data, args.articles, f"{run}-{number}")
            offline_rates.append(offline_rate(articles))
            before = {name: cpu_seconds(pid) for name, pid in accounted.items()}
            drop(inbox, articles, watcher)
            started = watcher.waiting[articles[0].id]
            watcher.wait_all([a.id for a in articles], timeout=1800)
            cpu = {name: cpu[name] + cpu_seconds(pid) - before[name] for name, pid in accounted.items()}
            searchable = sorted(watcher.seen[a.id] for a in articles)
            # Ingest → searchable: from the drop to the last article searchable, all the work included.
            # First to last searchable is printed beside it; it leaves out the first batches' work while
            # counting their articles, so it reads high.
            end_to_end_rates.append(len(articles) / (searchable[-1] - started))
            first_to_last_rates.append((len(articles) - 1) / (searchable[-1] - searchable[0]))
        offline, end_to_end = statistics.median(offline_rates), statistics.median(end_to_end_rates)
        # Each round's two rates were measured minutes apart at most: the ratio is taken per round.
        ratios = [e / o for e, o in zip(end_to_end_rates, offline_rates, strict=True)]
        first_to_last = statistics.median(first_to_last_rates)

        steady_rate = end_to_end / 2
        steady = load_articles(args.data, max(10, int(steady_rate * args.latency_s)), f"{run}-steady")
        for article in steady:
            drop(inbox, [article], watcher)
            time.sleep(1 / steady_rate)
        watcher.wait_all([a.id for a in steady], timeout=300)
        latency = [watcher.seen[a.id] - watcher.waiting[a.id] for a in steady]
        memory = {name: round(peak_rss_mib(process.pid), 1) for name, process in processes.items()}
        alive = all(process.poll() is None for process in processes.values())
    finally:
        watcher.stop()
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=60)
        admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
        admin.delete_topics([name for name in admin.list_topics() if run in name])
        admin.close()
        client.options(ignore_status=404).indices.delete(index=f"{run}-*")
        client.options(ignore_status=404).indices.delete_index_template(name=f"{run}-*")
        client.close()
    result = {
        "articles": args.articles,
        "rounds": args.rounds,
        "processor_workers": args.processors,
        "offline_articles_per_s": round(offline, 1),
        "end_to_end_articles_per_s": round(end_to_end, 1),
        "end_to_end_vs_offline_ratio": round(statistics.median(ratios), 3),
        "ratio_by_round": [round(ratio, 3) for ratio in ratios],
        "first_to_last_searchable_articles_per_s": round(first_to_last, 1),
        "steady_load_articles_per_s": round(steady_rate, 1),
        "latency_p50_s": round(percentile(latency, 0.5), 2),
        "latency_p99_s": round(percentile(latency, 0.99), 2),
        **{f"peak_rss_{name}_mib": value for name, value in memory.items()},
        "services_alive": alive,
        "cpu_s_per_article_end_to_end": {
            name: round(seconds / (args.rounds * args.articles), 4) for name, seconds in cpu.items()
        },
    }
    return report(result, args.json, label="pipeline")


if __name__ == "__main__":
    sys.exit(main())
