"""`make bench`: every benchmark in turn, one table of the figures against their targets, one JSON file.

    python -m tests.benchmarks.all [--json bench.json] [--only fetcher,indexer,…]

Each benchmark measures its ratio side by side in one run (this machine is shared and noisy); this only
runs them one after another in fresh processes and gathers what they report.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support import measurement_parser

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Figure:
    label: str
    benchmark: str
    key: str
    target: str  # e.g. ">= 0.8", "< 5", "< 1024"; empty: shown for context, no target

    def meets(self, value: float) -> bool:
        if not self.target:
            return True
        operator, limit = self.target.split()
        return {">=": value >= float(limit), "<": value < float(limit)}[operator]


FIGURES = [
    Figure("fetcher publish rate / raw kafka-python producer", "fetcher", "ratio", ">= 0.8"),
    Figure(
        "fetcher whole poll (fetch + parse + publish) / raw producer",
        "fetcher",
        "poll_vs_bare_producer_ratio",
        ">= 0.5",
    ),
    Figure("clean stage / pure cleaning function", "clean_stage", "ratio", ">= 0.8"),
    Figure("enrich stage / raw nlp.pipe", "enrich_stage", "stage_vs_raw_ratio", ">= 0.8"),
    Figure("enrich stage / pure enrichment code", "enrich_stage", "stage_vs_pure_ratio", ">= 0.8"),
    Figure("2 processor workers / 1", "enrich_stage", "two_vs_one_worker_ratio", ">= 1.0"),
    Figure("newsflow process --workers 2 / 1, after warm-up", "process_workers", "after_warm_up_ratio", ">= 1.7"),
    Figure("the same, model loading included", "process_workers", "processing_ratio", ""),
    Figure("the same, whole command with start-up", "process_workers", "whole_command_ratio", ""),
    Figure("indexer / raw helpers.bulk", "indexer", "ratio", ">= 0.8"),
    Figure("indexer / bulk of ready JSON bytes (stricter)", "indexer", "ratio_to_bulk_of_json_bytes", ""),
    Figure("end to end / offline newsflow process", "pipeline", "end_to_end_vs_offline_ratio", ">= 0.8"),
    Figure("drop-to-searchable p50 at half capacity (s)", "pipeline", "latency_p50_s", "< 5"),
    Figure("drop-to-searchable p99 at half capacity (s)", "pipeline", "latency_p99_s", "< 5"),
    Figure("peak RSS fetcher (MiB)", "pipeline", "peak_rss_fetcher_mib", "< 1024"),
    Figure("peak RSS processor (MiB)", "pipeline", "peak_rss_processor_mib", "< 1024"),
    Figure("peak RSS indexer (MiB)", "pipeline", "peak_rss_indexer_mib", "< 1024"),
    Figure("processor SIGKILLed and restarted: longest wait (s)", "failover", "processor_restart_s", "< 15"),
    Figure("indexer SIGKILLed and restarted: longest wait (s)", "failover", "indexer_restart_s", "< 15"),
    Figure("processor SIGKILLed, its peer takes over: longest wait (s)", "failover", "processor_peer_s", "< 15"),
    Figure("indexer SIGKILLed, its peer takes over: longest wait (s)", "failover", "indexer_peer_s", "< 15"),
]
BENCHMARKS = ["fetcher", "clean_stage", "enrich_stage", "process_workers", "indexer", "pipeline", "failover"]


def run_benchmark(name: str, data: Path) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / f"{name}.json"
        command = [sys.executable, "-m", f"tests.benchmarks.{name}", "--data", str(data), "--json", str(out)]
        completed = subprocess.run(command, cwd=REPO_ROOT, check=False)
        if completed.returncode != 0 or not out.exists():
            return {"error": f"exit status {completed.returncode}"}
        return dict(json.loads(out.read_text()))


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--only", help="comma-separated benchmarks to run (default: all)")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else BENCHMARKS
    results = {name: run_benchmark(name, args.data) for name in chosen}

    from rich.console import Console
    from rich.table import Table

    table = Table(title="newsflow benchmarks (ratios measured side by side in one run)")
    for column in ("figure", "value", "target", "met"):
        table.add_column(column, justify="right" if column in ("value", "target") else "left")
    rows = []
    for figure in FIGURES:
        if figure.benchmark not in results:
            continue
        value = results[figure.benchmark].get(figure.key)
        met = isinstance(value, int | float) and figure.meets(float(value))
        rows.append({"figure": figure.label, "value": value, "target": figure.target, "met": met})
        table.add_row(
            figure.label, str(value if value is not None else "failed"), figure.target, "yes" if met else "NO"
        )
    Console().print(table)
    if args.json:
        args.json.write_text(json.dumps({"figures": rows, "benchmarks": results}, indent=2))
    return 0 if all("error" not in result for result in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
