"""Story grouping on same-story, by halves: the MinHash key-term grouping against the clusterer of stories.py.

    python -m tests.eval.story_clustering [--data ../shared/data] [--threshold T] [--json out.json]

Events are split by the parity of their id, not by their content: the even half is the dev half (methods
and thresholds are chosen on it), the odd half checks that the choice holds on events not looked at.
Articles go in oldest first, each half on its own; the measure is the pairwise one of
../shared/data/README.md.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

from services.processor.duplicates import DuplicateIndex
from services.processor.stories import StoryIndex, StorySettings
from tests.support import measurement_parser, report

Assign = Callable[[dict[str, Any]], str]


def _timestamp(value: str | None) -> float:
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp() if value else 0.0


def pairwise(articles: list[dict[str, Any]], assign: Assign) -> dict[str, float]:
    ordered = sorted(articles, key=lambda a: (a.get("date_publish") or "", a["doc_id"]))
    stories = {article["doc_id"]: assign(article) for article in ordered}
    events = {article["doc_id"]: article["event_id"] for article in ordered}
    tp = fp = fn = 0
    for first, second in combinations(events, 2):
        same_event, same_story = events[first] == events[second], stories[first] == stories[second]
        tp += same_event and same_story
        fp += same_story and not same_event
        fn += same_event and not same_story
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": round(precision, 3),
        "recall": round(recall, 3),
        "f1": round(f1, 3),
        "stories": len(set(stories.values())),
        "events": len(set(events.values())),
    }


def minhash_terms() -> Assign:
    index = DuplicateIndex({})

    def assign(article: dict[str, Any]) -> str:
        body = article.get("text") or ""
        when = _timestamp(article.get("date_publish"))
        return index.assign(article["doc_id"], article.get("title"), body, article["doc_id"], when).story_id

    return assign


def clusterer(settings: StorySettings) -> Assign:
    index = StoryIndex(settings)

    def assign(article: dict[str, Any]) -> str:
        when = _timestamp(article.get("date_publish"))
        return index.assign(article["doc_id"], article.get("title"), article.get("text") or "", when)

    return assign


def evaluate(data: Path, settings: StorySettings) -> dict[str, Any]:
    articles = [json.loads(line) for line in (data / "same-story" / "articles.jsonl").read_text().splitlines()]
    halves = {
        "dev": [a for a in articles if a["event_id"] % 2 == 0],
        "check": [a for a in articles if a["event_id"] % 2 == 1],
    }
    return {
        half: {
            "minhash_key_terms": pairwise(chosen, minhash_terms()),
            "clusterer": pairwise(chosen, clusterer(settings)),
        }
        for half, chosen in halves.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--threshold", type=float, default=StorySettings.threshold)
    parser.add_argument("--decay", type=float, default=StorySettings.decay_per_day)
    args = parser.parse_args(argv)
    return report(evaluate(args.data, StorySettings(threshold=args.threshold, decay_per_day=args.decay)), args.json)


if __name__ == "__main__":
    sys.exit(main())
