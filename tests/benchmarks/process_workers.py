"""`newsflow process --workers 2` against `--workers 1` over the same articles, side by side in one run.

    python -m tests.benchmarks.process_workers [--data ../shared/data] [--rounds 3] [--json out.json]

Each round runs both commands on the BBC News articles (288), in alternating order so that a noisy
neighbour weighs on both. Three ratios, medians over the rounds:
- after warm-up: the articles' own work, from the loaded model to the last output — what a long backfill
  sees, where the one-time costs vanish;
- processing: the span the command reports, loading the model and its tables included (about 2.7 s, done
  once before the workers are forked, so no worker count shortens it);
- whole command: wall time of the process, interpreter start-up and imports included (about 1 s more).
The outputs of both must be the same articles with the same duplicates and stories.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support import measurement_parser, report

REPO_ROOT = Path(__file__).resolve().parents[2]
SPAN = re.compile(r"(\d+) articles processed, (\d+) failed in ([\d.]+)s \(([\d.]+)s of it loading the model")


def run(paths: list[Path], workers: int) -> dict[str, Any]:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "services.operations.cli", "process", "--workers", str(workers), *map(str, paths)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    found = SPAN.search(completed.stderr)
    if found is None:
        raise RuntimeError(f"no processing span in: {completed.stderr[-500:]}")
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    return {
        "articles": int(found[1]),
        "processing_s": float(found[3]),
        "after_warm_up_s": float(found[3]) - float(found[4]),
        "wall_s": wall,
        "assignments": [(a["id"], a["duplicate_of"], a["story_id"]) for a in lines],
    }


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    paths = [args.data / "bbc-news"]
    steady, processing, whole = [], [], []
    for round_number in range(args.rounds):
        order = (1, 2) if round_number % 2 == 0 else (2, 1)
        runs = {workers: run(paths, workers) for workers in order}
        if runs[1]["assignments"] != runs[2]["assignments"]:
            raise AssertionError("two workers must give the same articles, duplicates and stories as one")
        steady.append(runs[1]["after_warm_up_s"] / runs[2]["after_warm_up_s"])
        processing.append(runs[1]["processing_s"] / runs[2]["processing_s"])
        whole.append(runs[1]["wall_s"] / runs[2]["wall_s"])
        print(
            f"round {round_number + 1}: {runs[1]['articles']} articles; after warm-up "
            f"{runs[1]['after_warm_up_s']:.2f}s vs {runs[2]['after_warm_up_s']:.2f}s; processing "
            f"{runs[1]['processing_s']:.2f}s vs {runs[2]['processing_s']:.2f}s; "
            f"whole command {runs[1]['wall_s']:.2f}s vs {runs[2]['wall_s']:.2f}s",
            file=sys.stderr,
        )
    result = {
        "articles": runs[1]["articles"],
        "after_warm_up_ratio": round(statistics.median(steady), 2),
        "after_warm_up_ratios": [round(value, 2) for value in steady],
        "processing_ratio": round(statistics.median(processing), 2),
        "processing_ratios": [round(value, 2) for value in processing],
        "whole_command_ratio": round(statistics.median(whole), 2),
        "whole_command_ratios": [round(value, 2) for value in whole],
    }
    return report(result, args.json, label="process --workers 2 / --workers 1")


if __name__ == "__main__":
    sys.exit(main())
