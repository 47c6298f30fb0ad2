"""Story grouping on same-story, by halves: the group stage (duplicates, then stories) and its clusterer alone.

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

from schemas import CleanArticle
from services.processor.clean import content_hash
from services.processor.grouping import Groupers, GroupSettings
from services.processor.stories import StoryIndex, StorySettings
from tests.support import measurement_parser, report

Assign = Callable[[dict[str, Any]], str]


def _timestamp(value: str | None) -> float:
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp() if value else 0.0


def pairwise(articles: list[dict[str, Any]], assign: Assign, final: Callable[[str], str] = str) -> dict[str, float]:
    """Articles go in oldest first; ``final`` maps a story id to the story it ended up in (after merges)."""
    ordered = sorted(articles, key=lambda a: (a.get("date_publish") or "", a["doc_id"]))
    assigned = {article["doc_id"]: assign(article) for article in ordered}
    stories = {article_id: final(story_id) for article_id, story_id in assigned.items()}
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


def as_clean(article: dict[str, Any]) -> CleanArticle:
    """A same-story article as the clean stage would hand it on (the set's ids are longer than ours)."""
    body = article.get("text") or article.get("description") or ""
    published = (
        datetime.fromisoformat(article["date_publish"]).replace(tzinfo=UTC) if article.get("date_publish") else None
    )
    return CleanArticle(
        id=article["doc_id"][:32], url=article["url"], canonical_url=article["url"], source=article["source_domain"],
        title=article.get("title"), body=body, language="en", published_at=published,
        fetched_at=published or datetime(2000, 1, 1, tzinfo=UTC), content_hash=content_hash(body),
    )  # fmt: skip


def grouped(articles: list[dict[str, Any]], settings: GroupSettings) -> dict[str, float]:
    groupers = Groupers(settings=settings)

    def assign(article: dict[str, Any]) -> str:
        return groupers.assign(as_clean(article)).article.story_id or ""

    def final(story_id: str) -> str:
        return groupers.by_language["en"].stories.resolve(story_id)

    return pairwise(articles, assign, final)


def clustered(articles: list[dict[str, Any]], settings: StorySettings) -> dict[str, float]:
    index = StoryIndex(settings=settings)

    def assign(article: dict[str, Any]) -> str:
        when = _timestamp(article.get("date_publish"))
        return index.assign(article["doc_id"], article.get("title"), article.get("text") or "", when).story_id

    return pairwise(articles, assign, index.resolve)


def evaluate(data: Path, settings: StorySettings) -> dict[str, Any]:
    articles = [json.loads(line) for line in (data / "same-story" / "articles.jsonl").read_text().splitlines()]
    halves = {
        "dev": [a for a in articles if a["event_id"] % 2 == 0],
        "check": [a for a in articles if a["event_id"] % 2 == 1],
    }
    return {
        half: {
            "group_stage": grouped(chosen, GroupSettings(stories=settings)),
            "clusterer": clustered(chosen, settings),
        }
        for half, chosen in halves.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--threshold", type=float, default=StorySettings.threshold)
    parser.add_argument("--merge-threshold", type=float, default=StorySettings.merge_threshold)
    parser.add_argument("--decay", type=float, default=StorySettings.decay_per_day)
    args = parser.parse_args(argv)
    settings = StorySettings(threshold=args.threshold, merge_threshold=args.merge_threshold, decay_per_day=args.decay)
    return report(evaluate(args.data, settings), args.json)


if __name__ == "__main__":
    sys.exit(main())
