"""Reading local inputs: seed-format text, HTML, JSONL, directories, and refusing what is not an article."""

from __future__ import annotations

import gzip
import json
import os
from datetime import UTC, datetime
from pathlib import Path

from schemas import RawArticle
from services.fetcher import inputs
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
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")
    bad_gzip = tmp_path / "truncated.html.gz"
    bad_gzip.write_bytes(gzip.compress(b"<p>hello</p>")[:-8])
    items = list(walk([str(p) for p in sorted(tmp_path.iterdir())]))
    assert all(isinstance(item, InputError) for item in items), items
    results = {Path(item.origin).name: item for item in items if isinstance(item, InputError)}
    assert "empty document" in results["empty.txt"].reason
    assert "binary data" in results["binary.html"].reason
    assert "unsupported file type .pdf" in results["notes.pdf"].reason
    assert "cannot read" in results["truncated.html.gz"].reason


def test_a_text_in_windows_1252_or_utf8_with_a_broken_byte_is_read_not_refused(tmp_path: Path):
    """An older newsroom export with a £ sign, and a UTF-8 file damaged in one place: the article gets through."""
    (tmp_path / "bbc.txt").write_bytes("Pound falls\n\nSterling fell to £1.20 against the dollar.".encode("cp1252"))
    damaged = "Zürich talks\n\nDelegates met in Zürich. Résumé of the day: ".encode() + b"\xff progress."
    (tmp_path / "damaged.txt").write_bytes(damaged)
    bbc, broken = walk([str(tmp_path / "bbc.txt"), str(tmp_path / "damaged.txt")])
    assert isinstance(bbc, RawArticle) and bbc.text == "Sterling fell to £1.20 against the dollar."
    assert isinstance(broken, RawArticle) and broken.text is not None
    assert broken.text == "Delegates met in Zürich. Résumé of the day: \ufffd progress."


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
    # Neither valid UTF-8 nor labelled: a Western 8-bit text, as such pages are.
    assert "São Paulo" in decode_text(latin, "page", content_type="text/html")


def test_a_link_out_of_a_walked_directory_is_reported_not_read(tmp_path: Path):
    """Anyone who can drop a file into a watched folder must not be able to publish the machine's files."""
    inbox, outside = tmp_path / "inbox", tmp_path / "outside"
    inbox.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("Secret\n\nroot:x:0:0:root:/root:/bin/bash")
    (inbox / "story.txt").write_text("Story\n\nA real story.")
    (inbox / "passwd.txt").symlink_to(outside / "secret.txt")
    (inbox / "again.txt").symlink_to(inbox / "story.txt")  # a link that stays inside is followed
    items = list(walk([str(inbox)]))
    articles = [item for item in items if isinstance(item, RawArticle)]
    (refused,) = [item for item in items if isinstance(item, InputError)]
    assert [article.title for article in articles] == ["Story", "Story"]
    assert refused.error_class == "UnsafePath" and "outside" in refused.reason and refused.payload == b""


def test_devices_pipes_and_kernel_files_are_refused_before_they_are_read(tmp_path: Path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opening it would block until a writer came
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "environ.txt").symlink_to("/proc/self/environ")
    items = list(walk([str(fifo), str(tmp_path / "zero.txt"), str(tmp_path / "environ.txt")]))
    assert all(isinstance(item, InputError) for item in items) and len(items) == 3
    reasons = [item.reason for item in items if isinstance(item, InputError)]
    assert "not a regular file" in reasons[0]
    assert all("pseudo-file" in reason for reason in reasons[1:])
    assert all(item.payload == b"" for item in items if isinstance(item, InputError)), "no secret leaks"


def test_a_jsonl_archive_is_read_as_a_stream_whatever_its_size(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_LINE_BYTES", 10_000)
    body = "Words of a long story. " * 200
    lines = [json.dumps({"url": f"https://example.org/{n}", "title": f"Story {n}", "text": body}) for n in range(1400)]
    lines.insert(3, json.dumps({"url": "https://example.org/huge", "text": "x" * 20_000}))
    archive = tmp_path / "archive.jsonl.gz"
    archive.write_bytes(gzip.compress("\n".join(lines).encode()))
    assert len(gzip.decompress(archive.read_bytes())) > inputs.MAX_FILE_BYTES
    items = list(read_file(archive))
    articles = [item for item in items if isinstance(item, RawArticle)]
    (too_long,) = [item for item in items if isinstance(item, InputError)]
    assert len(articles) == 1400 and articles[-1].url == "https://example.org/1399"
    assert too_long.origin == f"{archive}:4" and "over the 10000-byte limit" in too_long.reason


def test_jsonl_timestamps_without_a_zone_are_read_as_utc(tmp_path: Path):
    archive = tmp_path / "archive.jsonl"
    rows = [{"url": "https://example.org/1", "title": "One", "text": "A story.", "published_at": "2017-09-15T00:00:00"},
            {"url": "https://example.org/2", "title": "Two", "text": "A story.",
             "published_at": "2017-09-15T08:00:00+02:00"}]  # fmt: skip
    archive.write_text("\n".join(json.dumps(row) for row in rows))
    first, second = read_file(archive)
    assert isinstance(first, RawArticle) and first.published_at == datetime(2017, 9, 15, tzinfo=UTC)
    assert isinstance(second, RawArticle) and second.published_at == datetime(2017, 9, 15, 6, tzinfo=UTC)


def test_jsonl_timestamps_in_feed_and_epoch_forms_are_read_and_zoneless_ones_are_reported(tmp_path: Path, caplog):
    archive = tmp_path / "archive.jsonl"
    story = {"title": "T", "text": "A story."}
    rows = [{"url": "https://example.org/1", "published_at": "Fri, 15 Sep 2017 08:00:00 GMT", **story},
            {"url": "https://example.org/2", "published_at": 1505462400, **story},
            {"url": "https://example.org/3", "published_at": "2017-09-15 08:00:00", **story},
            {"url": "https://example.org/4", "published_at": "15/09/2017", **story}]  # fmt: skip
    archive.write_text("\n".join(json.dumps(row) for row in rows))
    with caplog.at_level("WARNING"):
        rfc2822, epoch, zoneless, ambiguous = read_file(archive)
    assert isinstance(rfc2822, RawArticle) and rfc2822.published_at == datetime(2017, 9, 15, 8, tzinfo=UTC)
    assert isinstance(epoch, RawArticle) and epoch.published_at == datetime(2017, 9, 15, 8, tzinfo=UTC)
    assert isinstance(zoneless, RawArticle) and zoneless.published_at == datetime(2017, 9, 15, 8, tzinfo=UTC)
    assert isinstance(ambiguous, InputError) and "published_at" in ambiguous.reason  # day or month first? refused
    assert "1 timestamps named no time zone and were read as UTC" in caplog.text
