"""The group stage's duplicate and story assignment on all of same-story (../shared/data/same-story).

    python -m tests.eval.stories [--data ../shared/data] [--json out.json]

Pairwise, as ../shared/data/README.md defines it: two articles of one event should share a story_id,
two of different events should not. Near-duplicate marking is reported as how many articles were
marked and whether each marked pair is of one event.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

from services.processor.grouping import Groupers, GroupSettings
from services.processor.stories import StorySettings
from tests.eval.story_clustering import as_clean
from tests.support import measurement_parser, report


def _timestamp(value: str | None) -> float:
    if not value:
        return 0.0
    return datetime.fromisoformat(value).replace(tzinfo=UTC).timestamp()


def evaluate(data: Path, settings: GroupSettings) -> dict[str, float]:
    articles = [json.loads(line) for line in (data / "same-story" / "articles.jsonl").read_text().splitlines()]
    articles.sort(key=lambda a: (a.get("date_publish") or "", a["doc_id"]))
    groupers = Groupers(settings=settings)
    stories, duplicates, events = {}, {}, {}
    started = time.perf_counter()
    for article in articles:
        cleaned = as_clean(article)
        assigned = groupers.assign(cleaned).article
        stories[cleaned.id] = assigned.story_id
        duplicates[cleaned.id] = assigned.duplicate_of
        events[cleaned.id] = article["event_id"]
    seconds = time.perf_counter() - started
    resolve = groupers.by_language["en"].stories.resolve
    stories = {article_id: resolve(story_id or "") for article_id, story_id in stories.items()}
    tp = fp = fn = 0
    far_apart = 0
    dates = {a["doc_id"][:32]: _timestamp(a.get("date_publish")) for a in articles}
    for first, second in combinations(events, 2):
        same_event = events[first] == events[second]
        same_story = stories[first] == stories[second]
        tp += same_event and same_story
        fp += same_story and not same_event
        fn += same_event and not same_story
        far_apart += same_event and abs(dates[first] - dates[second]) >= 7 * 86400
    marked = [(a, d) for a, d in duplicates.items() if d]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "articles": len(articles),
        "story_pair_precision": round(precision, 4),
        "story_pair_recall": round(recall, 4),
        "story_pair_f1": round(2 * precision * recall / (precision + recall), 4) if precision + recall else 0.0,
        "same_event_pairs": tp + fn,
        "same_event_pairs_a_week_or_more_apart": far_apart,
        "stories": len(set(stories.values())),
        "events": len(set(events.values())),
        "near_duplicates_marked": len(marked),
        "near_duplicates_of_same_event": sum(events[a] == events[d] for a, d in marked),
        "articles_per_s": round(len(articles) / seconds, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--story-threshold", type=float, default=StorySettings.threshold)
    args = parser.parse_args(argv)
    result = evaluate(args.data, GroupSettings(stories=StorySettings(threshold=args.story_threshold)))
    return report(result, args.json, label="same-story")


if __name__ == "__main__":
    sys.exit(main())
