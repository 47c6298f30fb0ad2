"""A story's document is what its articles say, and a merged story stands for the one it went into."""

from __future__ import annotations

from services.indexer.stories import MAX_MERGE_HOPS, follow_merges, story_document, summary_aggregation


def _terms(*keys: str) -> dict:
    return {"buckets": [{"key": key, "doc_count": 1} for key in keys]}


def test_a_story_document_is_summarised_from_its_articles_bucket():
    bucket = {
        "key": "a" * 32,
        "doc_count": 4,
        "first": {"hits": {"hits": [{"_source": {"title": "Quake hits city", "url": "https://a.example/1"}}]}},
        "first_seen": {"value": 1.0, "value_as_string": "2026-12-01T08:00:00.000Z"},
        "last_seen": {"value": 2.0, "value_as_string": "2026-12-02T09:30:00.000Z"},
        "source_count": {"value": 3},
        "duplicates": {"doc_count": 1},
        "language": _terms("en"),
        "persons": _terms("Jane Doe"),
        "organizations": _terms(),
        "locations": _terms("Tehran", "Iran"),
        "topic_labels": _terms("disaster, accident and emergency incident"),
        "sources": _terms("a.example", "b.example", "c.example"),
    }
    document = story_document(bucket)
    assert document["headline"] == "Quake hits city" and document["headline_url"] == "https://a.example/1"
    assert (document["article_count"], document["duplicate_count"], document["source_count"]) == (4, 1, 3)
    assert (document["first_seen"], document["last_seen"]) == (
        "2026-12-01T08:00:00.000Z",
        "2026-12-02T09:30:00.000Z",
    )
    assert document["locations"] == ["Tehran", "Iran"] and document["merged_into"] is None


def test_the_summary_asks_only_for_the_stories_touched():
    aggregation = summary_aggregation(["s1", "s2"])["stories"]["terms"]
    assert aggregation["include"] == ["s1", "s2"] and aggregation["size"] == 2


def test_merges_are_followed_to_the_surviving_story_and_a_loop_ends():
    assert follow_merges("c", {"c": "b", "b": "a", "a": None}) == "a"
    assert follow_merges("a", {"a": None}) == "a"
    assert follow_merges("x", {}) == "x", "an unknown story stands for itself"
    assert follow_merges("a", {"a": "b", "b": "a"}) in {"a", "b"}, "a loop stops instead of spinning"
    chain = {f"s{n}": f"s{n + 1}" for n in range(100)}
    assert follow_merges("s0", chain) == f"s{MAX_MERGE_HOPS}", "a chain longer than any real one is cut"


def test_the_story_runner_outlives_a_failed_run_and_stops_when_told():
    import threading

    from services.indexer.stories import StoryRunner

    runner = StoryRunner.__new__(StoryRunner)
    runner.interval_s = 0.01
    stopping, runs = threading.Event(), []

    def run_once() -> int:
        runs.append(len(runs))
        if len(runs) == 1:
            raise ConnectionError("Elasticsearch went away")
        if len(runs) == 3:
            stopping.set()
        return 0

    runner.run_once = run_once
    worker = threading.Thread(target=runner.run_forever, args=(stopping,))
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and runs == [0, 1, 2]
