"""Reading local inputs: seed-format text, HTML, JSONL, directories, and refusing what is not an article."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from schemas import RawArticle
from services.fetcher.inputs import InputError, decode_text, read_file, split_seed_text, walk
from tests.conftest import SAMPLES


def test_seed_text_first_line_is_the_headline():
    title, body = split_seed_text("\n\nTehran, Bishkek to boost ties\n\nTehran(IP) - Iran's secretary met…\n")
    assert title == "Tehran, Bishkek to boost ties"
    assert body == "Tehran(IP) - Iran's secretary met…"


def test_seed_text_that_opens_with_a_dateline_has_no_headline():
    title, body = split_seed_text("Bishkek(IP): The secretaries of the councils met.\n\nMore text.")
    assert title is None
    assert body.startswith("Bishkek(IP): The secretaries")


def test_bundled_samples_are_read_in_sorted_order_with_file_urls():
    items = list(walk([str(SAMPLES)]))
    assert [type(item) for item in items] == [RawArticle, RawArticle]
    assert [Path(item.url).name for item in items if isinstance(item, RawArticle)] == sorted(
        path.name for path in SAMPLES.glob("*.txt")
    )
    assert all(item.url.startswith("file:///") for item in items if isinstance(item, RawArticle))


def test_jsonl_lines_become_articles_and_bad_lines_become_errors(tmp_path: Path):
    archive = tmp_path / "archive.jsonl"
    archive.write_text(
        "\n".join(
            [
                json.dumps({"url": "https://example.org/1", "title": "One", "text": "First story."}),
                "{broken json",
                json.dumps({"title": "no url", "text": "x"}),
                "",
                json.dumps({"url": "https://example.org/2", "html": "<p>Second</p>", "source": "ex"}),
            ]
        )
    )
    items = list(read_file(archive, backfill=True))
    articles = [item for item in items if isinstance(item, RawArticle)]
    errors = [item for item in items if isinstance(item, InputError)]
    assert [article.url for article in articles] == ["https://example.org/1", "https://example.org/2"]
    assert all(article.backfill for article in articles)
    assert [error.origin for error in errors] == [f"{archive}:2", f"{archive}:3"]
    assert "url: Field required" in errors[1].reason


def test_gzipped_html_is_read(tmp_path: Path):
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress("<html><body><p>Grüße aus Wien</p></body></html>".encode()))
    (article,) = read_file(page)
    assert isinstance(article, RawArticle) and article.html is not None and "Grüße" in article.html


def test_latin1_page_declaring_its_charset_is_decoded(tmp_path: Path):
    page = tmp_path / "page.html"
    page.write_bytes('<meta charset="iso-8859-1"><p>Notícias de São Paulo</p>'.encode("latin-1"))
    (article,) = read_file(page)
    assert isinstance(article, RawArticle) and article.html is not None and "São Paulo" in article.html


def test_empty_binary_undecodable_and_unknown_files_are_errors_not_crashes(tmp_path: Path):
    (tmp_path / "empty.txt").write_text("  \n\n")
    (tmp_path / "binary.html").write_bytes(b"\x00\x01\x02PNG\x00" * 10)
    (tmp_path / "mixed.txt").write_bytes(b"Title\n\ncaf\xe9 \xff\xfe bad")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    bad_gzip = tmp_path / "truncated.html.gz"
    bad_gzip.write_bytes(gzip.compress(b"<p>hello</p>")[:-8])
    items = list(walk([str(p) for p in sorted(tmp_path.iterdir())]))
    assert all(isinstance(item, InputError) for item in items), items
    results = {Path(item.origin).name: item for item in items if isinstance(item, InputError)}
    assert "empty document" in results["empty.txt"].reason
    assert "binary data" in results["binary.html"].reason
    assert "neither UTF-8" in results["mixed.txt"].reason
    assert "unsupported file type .pdf" in results["notes.pdf"].reason
    assert "cannot read" in results["truncated.html.gz"].reason


def test_a_binary_jsonl_file_is_one_error_not_one_per_stray_newline(tmp_path: Path):
    (tmp_path / "dump.jsonl").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\nIHDR\n\x00\x10\n")
    items = list(walk([str(tmp_path / "dump.jsonl")]))
    assert len(items) == 1 and isinstance(items[0], InputError)
    assert "binary data, not JSON lines" in items[0].reason


def test_missing_paths_are_reported():
    (error,) = walk(["/no/such/file.txt"])
    assert isinstance(error, InputError) and "no such file" in error.reason


def test_the_http_charset_decodes_a_page_that_declares_none_but_valid_utf8_beats_a_wrong_label():
    latin = "<p>Notícias de São Paulo</p>".encode("latin-1")
    assert "São Paulo" in decode_text(latin, "page", content_type="text/html; charset=ISO-8859-1")
    utf8 = "<p>Notícias de São Paulo</p>".encode()
    assert "São Paulo" in decode_text(utf8, "page", content_type="text/html; charset=ISO-8859-1")
    with pytest.raises(ValueError, match="neither UTF-8 and declares no charset"):
        decode_text(latin, "page", content_type="text/html")
