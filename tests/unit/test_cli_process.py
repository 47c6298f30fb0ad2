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


def test_process_on_several_workers_gives_what_one_gives_in_the_same_order(tmp_path: Path):
    """Cleaning with memory (duplicates, stories) stays in input order whatever the number of workers."""
    copy = tmp_path / "copy"
    copy.mkdir()
    for path in SAMPLES.glob("*.txt"):
        (copy / f"again-{path.name}").write_text(path.read_text())
    inputs = [str(SAMPLES), str(copy), str(SAMPLES / "iranpress-tehran-bishkek-ties.txt")]

    def run(workers: str) -> list[EnrichedArticle]:
        result = subprocess.run([*NEWSFLOW, "process", "--workers", workers, *inputs], cwd=REPO_ROOT,
                                capture_output=True, text=True)  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert f"; {workers} worker" in result.stderr
        return [decode(EnrichedArticle, line) for line in result.stdout.splitlines()]

    one, two = run("1"), run("2")
    assert len(one) == 5
    assert [(a.url, a.duplicate_of, a.story_id, [e.name for e in a.entities]) for a in one] == [
        (a.url, a.duplicate_of, a.story_id, [e.name for e in a.entities]) for a in two
    ]
    assert one[2].duplicate_of == one[0].id, "a copy in another file is a duplicate of the first seen"


def test_process_refuses_a_worker_count_below_one():
    result = subprocess.run([*NEWSFLOW, "process", "--workers", "0", str(SAMPLES)], cwd=REPO_ROOT,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode == 2 and "at least 1" in result.stderr
