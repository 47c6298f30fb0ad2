"""The fetcher service publishes what appears in watched directories, once, across restarts."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

import pytest
from kafka import KafkaConsumer

from schemas import RawArticle, decode
from tests.conftest import SAMPLES, Pipeline, wait_for

pytestmark = pytest.mark.integration


def _published(pipeline: Pipeline) -> list[RawArticle]:
    consumer = KafkaConsumer(
        pipeline.setting("topic_raw"),
        bootstrap_servers="127.0.0.1:9092",
        auto_offset_reset="earliest",
        consumer_timeout_ms=1500,
    )
    try:
        return [decode(RawArticle, record.value) for record in consumer]
    finally:
        consumer.close()


def _polls(pipeline: Pipeline) -> int:
    """Finished polls of the watched folder, as the fetcher recorded them."""
    listed = pipeline.newsflow("sources", "--json")
    assert listed.returncode == 0, listed.stderr
    return sum(row["polls"] for row in map(json.loads, listed.stdout.splitlines()) if row["name"] == "path-1")


def test_watched_files_are_published_once_even_after_a_restart(pipeline: Pipeline, tmp_path: Path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SAMPLES / "iranpress-tehran-bishkek-ties.txt", inbox)
    pipeline.env.update(NEWSFLOW_FETCHER_PATHS=str(inbox), NEWSFLOW_FETCHER_POLL_INTERVAL_S="0.5")

    fetcher = pipeline.start("run", "fetcher")
    wait_for(lambda: len(_published(pipeline)) == 1)
    shutil.copy(SAMPLES / "iranpress-bishkek-security-secretaries.txt", inbox)
    (inbox / "notes.md").write_text("not an article format")
    wait_for(lambda: len(_published(pipeline)) == 2)
    fetcher.send_signal(signal.SIGTERM)
    assert fetcher.wait(timeout=60) == 0

    restarted = pipeline.start("run", "fetcher")
    wait_for(lambda: restarted.poll() is None)
    (inbox / "late.txt").write_text("A late headline\n\nA late body arrives after the restart.")
    wait_for(lambda: len(_published(pipeline)) >= 3)
    # Three more finished polls of the folder, seen in the fetcher's own record: a republication would be out.
    polls = _polls(pipeline)
    wait_for(lambda: _polls(pipeline) >= polls + 3)
    titles = [article.title for article in _published(pipeline)]
    assert sorted(t or "" for t in titles) == sorted(
        ["", "A late headline", "Tehran, Bishkek to boost bilateral ties, regional cooperation"]
    ), "a restart must not republish what was already published"
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(timeout=60) == 0
