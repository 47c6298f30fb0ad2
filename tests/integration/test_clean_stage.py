"""The clean agent in the pipeline: duplicates found across a restart, bad messages dead-lettered."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from schemas import RawArticle
from tests.conftest import Pipeline, wait_for
from tests.unit.test_learned_state import WIRE

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

    pipeline.start("run", "processor")  # a new worker: what it knows comes from the tables' changelogs
    assert pipeline.newsflow("ingest", str(tmp_path / "copy.jsonl")).returncode == 0
    second = wait_for(lambda: _indexed(pipeline, copy.id), timeout=120)
    assert second is not None
    assert second["duplicate_of"] == original.id
    assert second["story_id"] == original.id
    assert indexer.poll() is None
