"""The group stage's state on a synthetic stream: memory per worker stays flat, and four workers assign
exactly what one does.

    python -m tests.benchmarks.story_state [--per-hour 50000] [--hours 6] [--workers 4] [--json out.json]

The stream is generated, not read: ids, languages, events with their own rare terms, copies of earlier
articles (a fifth), and filler words; no NLP. Articles are spread over ``--partitions`` partitions (default:
the topics' default, ``NEWSFLOW_TOPIC_PARTITIONS``) by their language key with Kafka's own partitioner, as
news.clean is. Each worker process owns every ``workers``-th partition and judges its articles in stream order
with the stage's code (``Groupers`` over a ``PartitionState``, whose writes are what the changelog receives),
sampling its peak RSS as it goes.

Printed side by side in one run: one worker against ``--workers`` workers, the digest of every partition's
assignments (duplicate_of, story_id) for both (they must be equal), each worker's peak RSS at each tenth of
the stream (flat once the bounds are reached), and articles/s.

The bounds are settings per partition, shared by the partition's languages (``NEWSFLOW_GROUP_MAX_ARTICLES``,
``…_MAX_STORIES``; the defaults unless ``--max-articles`` and ``--max-stories`` scale them down so that a
short run passes them many times over). A worker's state is then at most the partitions it owns times the
bounds, however long the stream runs: its RSS rises until the bounds are reached and stays flat after.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import CleanArticle
from services.processor.duplicates import DuplicateSettings
from services.processor.grouping import Groupers, GroupSettings, partition_of
from services.processor.replicated import PartitionState
from services.processor.settings import ProcessorSettings
from services.processor.stories import StorySettings
from tests.support import measurement_parser, report

T0 = datetime(2026, 1, 5, tzinfo=UTC)
LANGUAGES = {"en": 0.45, "de": 0.1, "fr": 0.1, "es": 0.1, "ru": 0.08, "ar": 0.07, "fa": 0.05, "zh": 0.05}
# Each event runs for hours and gathers articles from many outlets; a fifth of the articles copy another.
ARTICLES_PER_EVENT = 8
COPY_SHARE = 0.2
SOURCES = 500


def _word(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))


def synthetic_stream(count: int, per_hour: int, seed: int = 7) -> Iterator[CleanArticle]:
    """``count`` articles at ``per_hour`` articles an hour, in time order."""
    rng = random.Random(seed)
    languages, weights = zip(*LANGUAGES.items(), strict=True)
    events: dict[str, list[list[str]]] = {language: [] for language in languages}
    recent: dict[str, list[str]] = {language: [] for language in languages}
    for number in range(count):
        language = rng.choices(languages, weights)[0]
        open_events = events[language]
        if not open_events or rng.random() < 1 / ARTICLES_PER_EVENT:
            open_events.append([_word(rng, "") for _ in range(10)])  # the event's names and rare terms
            del open_events[:-50]  # old events are not reported any more
        terms = rng.choice(open_events[-10:])
        if recent[language] and rng.random() < COPY_SHARE:
            body = rng.choice(recent[language]) + " " + _word(rng, "x")  # a lightly edited copy
        else:
            body = " ".join(rng.sample(terms, 6) + [_word(rng, "f") for _ in range(60)])
            recent[language] = [*recent[language][-200:], body]
        source = f"source{rng.randrange(SOURCES)}.example"
        url = f"https://{source}/{number}"
        yield CleanArticle(
            id=hashlib.blake2b(url.encode(), digest_size=16).hexdigest(), url=url, canonical_url=url, source=source,
            title=" ".join(rng.sample(terms, 5)), body=body, language=language,
            fetched_at=T0 + timedelta(hours=number / per_hour), content_hash=hashlib.sha256(body.encode()).hexdigest(),
        )  # fmt: skip


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_worker(worker: int, workers: int, args: dict[str, Any]) -> dict[str, Any]:
    """Judge the articles of the partitions this worker owns; digests per partition and RSS samples."""
    settings = GroupSettings(
        duplicates=DuplicateSettings(max_articles=args["max_articles"]),
        stories=StorySettings(max_stories=args["max_stories"]),
    )
    owned: dict[int, tuple[PartitionState, Groupers]] = {}
    digests: dict[int, Any] = {}
    samples: list[float] = []
    judged = 0
    started_rss = _rss_mb()
    started = time.perf_counter()
    count = args["count"]
    for number, article in enumerate(synthetic_stream(count, args["per_hour"])):
        partition = partition_of(article, args["partitions"])
        if partition % workers == worker:
            if partition not in owned:
                state = PartitionState(partition)
                owned[partition] = (state, Groupers(state, settings))
                digests[partition] = hashlib.blake2b(digest_size=16)
            state, groupers = owned[partition]
            grouped = groupers.assign(article).article
            state.take_writes()  # what the agent sends to the changelog
            digests[partition].update(f"{article.id} {grouped.duplicate_of} {grouped.story_id}\n".encode())
            judged += 1
        if (number + 1) % max(1, count // 10) == 0:
            samples.append(round(_rss_mb()))
    held = sum(len(state) for state, _ in owned.values())
    return {
        "worker": worker,
        "articles": judged,
        "articles_per_s": round(judged / (time.perf_counter() - started)),
        "peak_rss_mb_by_tenth": samples,
        "start_rss_mb": round(started_rss),
        "entries_held": held,
        "digests": {partition: digest.hexdigest() for partition, digest in digests.items()},
    }


def run(workers: int, args: dict[str, Any]) -> list[dict[str, Any]]:
    context = multiprocessing.get_context("spawn")  # each worker starts with nothing of the others'
    with context.Pool(workers) as pool:
        return pool.starmap(run_worker, [(worker, workers, args) for worker in range(workers)])


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--per-hour", type=int, default=50_000)
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--workers", type=int, default=4)
    defaults = ProcessorSettings.model_fields
    parser.add_argument("--partitions", type=int, default=defaults["topic_partitions"].default)
    parser.add_argument("--max-articles", type=int, default=defaults["group_max_articles"].default)
    parser.add_argument("--max-stories", type=int, default=defaults["group_max_stories"].default)
    options = parser.parse_args(argv)
    args = {
        "count": int(options.per_hour * options.hours), "per_hour": options.per_hour,
        "partitions": options.partitions, "max_articles": options.max_articles, "max_stories": options.max_stories,
    }  # fmt: skip
    one, many = run(1, args), run(options.workers, args)
    one_digests = one[0]["digests"]
    many_digests = {p: d for result in many for p, d in result["digests"].items()}
    peak = max(max(result["peak_rss_mb_by_tenth"] or [0]) for result in many)
    base = min(result["start_rss_mb"] for result in many)
    held = max(result["entries_held"] for result in many)
    heaviest = max(many, key=lambda result: result["entries_held"])
    growth = max(heaviest["peak_rss_mb_by_tenth"]) - heaviest["start_rss_mb"]
    return report(
        {
            "articles": args["count"],
            "same_assignments_as_one_worker": one_digests == many_digests,
            "partitions_compared": len(one_digests),
            "one_worker": {key: one[0][key] for key in ("articles_per_s", "peak_rss_mb_by_tenth", "entries_held")},
            f"{options.workers}_workers": [
                {key: result[key] for key in ("worker", "articles", "articles_per_s", "peak_rss_mb_by_tenth")}
                for result in many
            ],
            "peak_rss_mb_per_worker": peak,
            "rss_at_start_mb": base,
            "kb_per_held_entry": round(growth * 1024 / held, 2) if held else None,
        },
        options.json,
        label="group state",
    )


if __name__ == "__main__":
    sys.exit(main())
