"""Turn local files, directories and single URLs into RawArticles; no Kafka here.

Supported files: ``.txt`` in the seed format (headline line, then body), ``.html``/``.htm`` pages,
``.jsonl`` with one RawArticle per line; each may be gzip-compressed (``.gz``). Anything that cannot
become a RawArticle yields an :class:`InputError` with a one-line reason instead of raising, so one
bad file never stops a batch.
"""

from __future__ import annotations

import gzip
import io
import re
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from schemas import InvalidMessage, RawArticle, Stage, decode
from schemas.codec import describe_validation_error

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES

# Larger inputs are refused outright: no news article is this big, and a runaway file must not
# exhaust memory. Matches the schema's own cap on raw text and HTML.
MAX_FILE_BYTES = 5_000_000
MAX_DECOMPRESSED_BYTES = 20_000_000
URL_TIMEOUT_S = 20.0

# A first line that opens with a dateline (``Bishkek(IP):``, ``LONDON (Reuters) -``) is the lead
# paragraph of a story delivered without its headline, not a headline.
_DATELINE_START = re.compile(r"^[A-Z][\w.' -]{1,40}\s?\([A-Za-z .]{1,30}\)\s?[-–—:]")
_HEADLINE_MAX_WORDS = 30


@dataclass(frozen=True)
class InputError:
    """Why one input (a file, a JSONL line, a URL) produced no article."""

    origin: str
    reason: str
    payload: bytes = b""
    error_class: str = "InputError"
    stage: Stage = Stage.INGEST  # FETCH when the network delivered it


InputItem = RawArticle | InputError


def file_url(path: Path) -> str:
    return path.resolve().as_uri()


def split_seed_text(text: str) -> tuple[str | None, str]:
    """Split a seed-format text into (headline, body); the headline is None when the first line is body."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return None, ""
    first = lines[0].strip()
    if _DATELINE_START.match(first) or len(first.split()) > _HEADLINE_MAX_WORDS:
        return None, "\n".join(lines).strip()
    return first, "\n".join(lines[1:]).strip()


def _read_bytes(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ValueError(f"file is {size} bytes, over the {MAX_FILE_BYTES}-byte limit")
    data = path.read_bytes()
    if path.suffix == ".gz":
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as unzipped:
            data = unzipped.read(MAX_DECOMPRESSED_BYTES + 1)
        if len(data) > MAX_DECOMPRESSED_BYTES:
            raise ValueError(f"decompresses to over {MAX_DECOMPRESSED_BYTES} bytes")
    return data


def decode_text(data: bytes, origin: str) -> str:
    """Bytes → text: UTF-8 (with or without BOM), else the charset the document declares."""
    if not data.strip():
        raise ValueError("empty document")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueError("binary data, not text")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return data.decode(codec)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = re.search(rb"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""", data[:4096])
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    raise ValueError(f"{origin} is neither UTF-8 nor in a charset it declares")


def _real_suffix(path: Path) -> str:
    suffixes = [suffix.lower() for suffix in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def read_file(path: Path, *, source: str | None = None, backfill: bool = False) -> Iterator[InputItem]:
    """Every article in one file, in file order."""
    origin = str(path)
    kind = _real_suffix(path)
    if kind not in SUPPORTED_SUFFIXES:
        yield InputError(origin, f"unsupported file type {kind or '(none)'}; expected one of .txt .html .jsonl")
        return
    try:
        data = _read_bytes(path)
    except (OSError, ValueError, EOFError) as error:
        yield InputError(origin, f"cannot read {origin}: {error}", error_class=type(error).__name__)
        return
    if kind in JSONL_SUFFIXES:
        yield from _read_jsonl(data, origin, backfill=backfill)
        return
    try:
        text = decode_text(data, origin)
    except ValueError as error:
        yield InputError(origin, f"{origin}: {error}", payload=data[:65_536], error_class="DecodeError")
        return
    fields: dict[str, object] = {
        "url": file_url(path),
        "source": source or "local",
        "fetched_at": datetime.now(UTC),
        "backfill": backfill,
    }
    if kind in TEXT_SUFFIXES:
        title, body = split_seed_text(text)
        fields.update(title=title, text=body)
    else:
        fields.update(html=text)
    try:
        yield RawArticle.model_validate(fields)
    except ValidationError as error:
        yield InputError(origin, describe_validation_error("RawArticle", error), payload=data[:65_536])


def _read_jsonl(data: bytes, origin: str, *, backfill: bool) -> Iterator[InputItem]:
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{origin}:{number}"
        try:
            article = decode(RawArticle, line)
        except InvalidMessage as error:
            yield InputError(where, f"{where}: {error.reason}", payload=line, error_class="InvalidMessage")
            continue
        yield article.model_copy(update={"backfill": True}) if backfill and not article.backfill else article


def read_url(url: str, *, source: str | None = None) -> InputItem:
    """One web page as a RawArticle (its HTML is extracted later by the processor)."""
    request = urllib.request.Request(url, headers={"User-Agent": "newsflow/0.1"})
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_S) as response:
            final_url = response.geturl()
            content_type = response.headers.get("Content-Type", "")
            data = response.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as error:
        return InputError(url, f"cannot fetch {url}: {error}", error_class=type(error).__name__)
    if len(data) > MAX_FILE_BYTES:
        return InputError(url, f"{url} is larger than {MAX_FILE_BYTES} bytes")
    if content_type and not any(kind in content_type for kind in ("html", "xml", "text")):
        return InputError(url, f"{url} is {content_type}, not a page")
    try:
        html = decode_text(data, url)
        return RawArticle(url=final_url, source=source or urlsplit(final_url).hostname or "", html=html)
    except ValueError as error:
        return InputError(url, f"{url}: {error}", payload=data[:65_536], error_class=type(error).__name__)


def walk(paths: Iterable[str], *, backfill: bool = False) -> Iterator[InputItem]:
    """Articles from paths and URLs in the order given; directories in sorted order, recursively."""
    for item in paths:
        if urlsplit(item).scheme in {"http", "https"}:
            yield read_url(item)
            continue
        path = Path(item)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and _real_suffix(p) in SUPPORTED_SUFFIXES):
                yield from read_file(child, backfill=backfill)
        elif path.exists():
            yield from read_file(path, backfill=backfill)
        else:
            yield InputError(item, f"no such file or directory: {item}", error_class="FileNotFoundError")
