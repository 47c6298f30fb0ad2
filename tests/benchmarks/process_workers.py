"""`newsflow process --workers 2` against `--workers 1` over the same articles, side by side in one run.

    python -m tests.benchmarks.process_workers [--data ../shared/data] [--rounds 3] [--json out.json]

Each round runs both commands on the BBC News articles (288), in alternating order so that a noisy
neighbour weighs on both. Two ratios:
- processing: the span the command reports, from its first article to its last output — model loading
  included, interpreter start-up and imports not;
- whole command: wall time of the process, start-up included (about 2.5 s that no worker count shortens).
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
SPAN = re.compile(r"(\d+) articles processed, (\d+) failed in ([\d.]+)s")


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
        "wall_s": wall,
        "assignments": [(a["id"], a["duplicate_of"], a["story_id"]) for a in lines],
    }


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    paths = [args.data / "bbc-news"]
    processing, whole = [], []
    for round_number in range(args.rounds):
        order = (1, 2) if round_number % 2 == 0 else (2, 1)
        runs = {workers: run(paths, workers) for workers in order}
        if runs[1]["assignments"] != runs[2]["assignments"]:
            raise AssertionError("two workers must give the same articles, duplicates and stories as one")
        processing.append(runs[1]["processing_s"] / runs[2]["processing_s"])
        whole.append(runs[1]["wall_s"] / runs[2]["wall_s"])
        print(
            f"round {round_number + 1}: {runs[1]['articles']} articles; processing {runs[1]['processing_s']:.2f}s "
            f"vs {runs[2]['processing_s']:.2f}s; whole command {runs[1]['wall_s']:.2f}s vs {runs[2]['wall_s']:.2f}s",
            file=sys.stderr,
        )
    result = {
        "articles": runs[1]["articles"],
        "processing_ratio": round(statistics.median(processing), 2),
        "processing_ratios": [round(value, 2) for value in processing],
        "whole_command_ratio": round(statistics.median(whole), 2),
        "whole_command_ratios": [round(value, 2) for value in whole],
    }
    return report(result, args.json, label="process --workers 2 / --workers 1")


if __name__ == "__main__":
    sys.exit(main())
