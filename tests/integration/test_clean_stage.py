"""The clean and group agents in the pipeline: duplicates found across a restart, replays change nothing."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from schemas import RawArticle
from tests.conftest import Pipeline, wait_for
from tests.unit.test_grouping import WIRE

pytestmark = pytest.mark.integration


def _indexed(pipeline: Pipeline, article_id: str) -> dict[str, Any] | None:
    result = pipeline.newsflow("search", "Kathmandu", "--json", "--size", "50")
    for line in result.stdout.splitlines():
        document = json.loads(line)
        if document["id"] == article_id:
            return document
    return None


def test_a_copy_published_after_a_restart_is_marked_as_a_duplicate(pipeline: Pipeline, tmp_path: Path):
    original = RawArticle(url="https://wire.example/landslide", title="Landslide near Kathmandu", text=WIRE)
    copy = RawArticle(url="https://paper.example/world/landslide", title="Landslide near Kathmandu", text=WIRE)
    (tmp_path / "original.jsonl").write_text(original.model_dump_json() + "\n")
    (tmp_path / "copy.jsonl").write_text(copy.model_dump_json() + "\n")

    indexer = pipeline.start("run", "indexer")
    processor = pipeline.start("run", "processor")
    assert pipeline.newsflow("ingest", str(tmp_path / "original.jsonl")).returncode == 0
    first = wait_for(lambda: _indexed(pipeline, original.id), timeout=120)
    assert first is not None
    assert first["duplicate_of"] is None and first["story_id"] == original.id
    processor.send_signal(signal.SIGTERM)
    assert processor.wait(timeout=90) == 0

    pipeline.start("run", "processor")  # a new worker: what it knows comes from the changelog
    assert pipeline.newsflow("ingest", str(tmp_path / "copy.jsonl")).returncode == 0
    second = wait_for(lambda: _indexed(pipeline, copy.id), timeout=120)
    assert second is not None
    assert second["duplicate_of"] == original.id
    assert second["story_id"] == original.id
    assert indexer.poll() is None


def _documents(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    result = pipeline.newsflow("search", "Kyrgyzstan", "--json", "--size", "50")
    return {document["id"]: document for document in map(json.loads, result.stdout.splitlines())}


def _when_count(documents: dict[str, dict[str, Any]], count: int) -> dict[str, dict[str, Any]] | None:
    return documents if len(documents) == count else None


def test_replaying_the_raw_topic_after_a_crash_changes_nothing(pipeline: Pipeline):
    """At-least-once delivery with id-keyed, idempotent outputs: reprocessing rewrites the same articles."""
    from kafka import KafkaAdminClient, TopicPartition
    from kafka.admin import OffsetSpec
    from kafka.errors import NoError

    from tests.conftest import SAMPLES

    pipeline.start("run", "indexer")
    processor = pipeline.start_service("services.processor.app")
    assert pipeline.newsflow("ingest", str(SAMPLES)).returncode == 0
    before = wait_for(lambda: _when_count(_documents(pipeline), 2), timeout=120)
    processor.send_signal(signal.SIGKILL)  # a crash: nothing flushed, nothing said goodbye
    processor.wait(timeout=30)

    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    group = pipeline.setting("processor_app_id")
    raw = [TopicPartition(pipeline.setting("topic_raw"), p) for p in range(2)]

    def _reset() -> bool:
        # Refused while the killed member still holds its session; the broker drops it after the timeout.
        try:
            outcome = admin.reset_group_offsets(group, dict.fromkeys(raw, OffsetSpec.EARLIEST))
        except Exception:
            return False
        return all(result["error"] in (None, NoError) for result in outcome.values())

    wait_for(_reset, timeout=120, interval=2)
    admin.close()

    pipeline.start("run", "processor")

    def _rewritten() -> dict[str, dict[str, Any]] | None:
        docs = _documents(pipeline)
        fresh = all(docs[i]["enriched_at"] > before[i]["enriched_at"] for i in before if i in docs)
        return docs if len(docs) == 2 and fresh else None

    after = wait_for(_rewritten, timeout=180)
    assert after.keys() == before.keys()
    for article_id, document in after.items():
        for field in ("content_hash", "title", "dateline", "related_headlines", "duplicate_of", "story_id", "dates"):
            assert document[field] == before[article_id][field], field


def test_articles_published_while_a_worker_starts_are_all_cleaned(pipeline: Pipeline, tmp_path: Path):
    """A restarted worker restores what was learned and takes every article that arrived meanwhile."""
    from tests.conftest import SAMPLES

    processor = pipeline.start_service("services.processor.app")
    assert pipeline.newsflow("ingest", str(SAMPLES)).returncode == 0
    wait_for(lambda: len(set(pipeline.ids("topic_clean"))) == 2, timeout=120)
    processor.send_signal(signal.SIGTERM)
    assert processor.wait(timeout=90) == 0

    batch = [
        RawArticle(
            url=f"https://wire.example/landslide/{n}", title=f"Landslide update {n}", text=f"{WIRE}\n\nUpdate {n}."
        )
        for n in range(12)
    ]
    (tmp_path / "batch.jsonl").write_text("".join(article.model_dump_json() + "\n" for article in batch))
    pipeline.start_service("services.processor.app")
    assert pipeline.newsflow("ingest", str(tmp_path / "batch.jsonl")).returncode == 0  # while it starts

    expected = set(pipeline.ids("topic_raw"))
    assert len(expected) == 14
    assert wait_for(lambda: set(pipeline.ids("topic_clean")) >= expected, timeout=120)
