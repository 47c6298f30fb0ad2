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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from schemas import InvalidMessage, RawArticle, Stage, decode
from schemas.codec import describe_validation_error
from services.fetcher.http import AddressPolicy, Fetched, FetchError, SafeClient
from services.fetcher.urls import canonical_url

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES

# Larger inputs are refused outright: no news article is this big, and a runaway file must not
# exhaust memory. Matches the schema's own cap on raw text and HTML.
MAX_FILE_BYTES = 5_000_000
MAX_DECOMPRESSED_BYTES = 20_000_000
# What a web page may be served as.
PAGE_TYPES = ("html", "xml", "text/plain")

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


def decode_text(data: bytes, origin: str, *, content_type: str | None = None) -> str:
    """Bytes → text: a BOM, else valid UTF-8 (self-validating, so it beats a wrong label), else the charset
    the HTTP ``Content-Type`` names, else the one the document declares; a clear error otherwise."""
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
    head = data[:4096].decode("ascii", "replace")
    labels = [match.group(1) for match in (_CHARSET.search(content_type or ""), _CHARSET.search(head)) if match]
    for label in labels:
        try:
            return data.decode(label)
        except (LookupError, UnicodeDecodeError):
            continue
    named = f" nor in the charset it names ({', '.join(labels)})" if labels else " and declares no charset"
    raise ValueError(f"{origin} is neither UTF-8{named}")


_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_.:-]{2,40})""")


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
        if b"\x00" in data[:4096]:  # one clear error, not one per accidental newline in binary data
            yield InputError(
                origin, f"{origin}: binary data, not JSON lines", payload=data[:65_536], error_class="DecodeError"
            )
            return
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


def page_article(
    fetched: Fetched,
    *,
    source: str | None = None,
    title: str | None = None,
    published_at: datetime | None = None,
    language_hint: str | None = None,
) -> RawArticle:
    """A fetched web page as a RawArticle: its raw HTML (the processor extracts it) and its canonical URL,
    the page's ``rel=canonical`` when it names one, else the URL after redirects."""
    from services.common.metadata import read_page_metadata

    html = decode_text(fetched.content, fetched.url, content_type=fetched.content_type)
    page = read_page_metadata(html, base_url=fetched.url)
    return RawArticle(
        url=fetched.url,
        canonical_url=canonical_url(page.canonical or fetched.url),
        source=source or urlsplit(fetched.url).hostname or "",
        title=title,
        html=html,
        published_at=published_at,
        language_hint=language_hint,
    )


def read_url(url: str, client: SafeClient | None = None, *, source: str | None = None) -> InputItem:
    """One web page as a RawArticle, fetched with the same address policy and limits as the fetcher."""
    own = client is None
    safe = client or SafeClient(AddressPolicy())
    try:
        return page_article(safe.get(url, accept=PAGE_TYPES), source=source)
    except FetchError as error:
        return InputError(url, error.reason, error_class="FetchError", stage=Stage.FETCH)
    except ValidationError as error:
        return InputError(url, f"{url}: {describe_validation_error('RawArticle', error)}", stage=Stage.FETCH)
    except ValueError as error:
        return InputError(url, f"{url}: {error}", error_class="DecodeError", stage=Stage.FETCH)
    finally:
        if own:
            safe.close()


def walk(paths: Iterable[str], *, backfill: bool = False, client: SafeClient | None = None) -> Iterator[InputItem]:
    """Articles from paths and URLs in the order given; directories in sorted order, recursively."""
    for item in paths:
        if urlsplit(item).scheme in {"http", "https"}:
            yield read_url(item, client)
            continue
        path = Path(item)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and _real_suffix(p) in SUPPORTED_SUFFIXES):
                yield from read_file(child, backfill=backfill)
        elif path.exists():
            yield from read_file(path, backfill=backfill)
        else:
            yield InputError(item, f"no such file or directory: {item}", error_class="FileNotFoundError")
