"""`newsflow process`: offline clean + enrich, JSON lines on stdout in input order, nothing else there."""

from __future__ import annotations

import subprocess
from pathlib import Path

from schemas import EnrichedArticle, decode
from tests.conftest import NEWSFLOW, REPO_ROOT, SAMPLES


def test_process_prints_one_enriched_article_per_input_in_order(tmp_path: Path):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"url": "https://example.org/1", "text": "First."}\nnot json\n')
    inputs = [str(SAMPLES / "iranpress-tehran-bishkek-ties.txt"), str(broken), str(SAMPLES)]
    result = subprocess.run([*NEWSFLOW, "process", *inputs], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    articles = [decode(EnrichedArticle, line) for line in result.stdout.splitlines()]
    assert [Path(a.url).name for a in articles] == [
        "iranpress-tehran-bishkek-ties.txt",
        "1",
        "iranpress-bishkek-security-secretaries.txt",
        "iranpress-tehran-bishkek-ties.txt",
    ]
    assert f"{broken}:2" in result.stderr and "invalid RawArticle" in result.stderr
    assert "4 articles processed, 1 failed" in result.stderr


def test_process_fails_when_nothing_could_be_processed(tmp_path: Path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    result = subprocess.run([*NEWSFLOW, "process", str(empty)], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "empty document" in result.stderr
