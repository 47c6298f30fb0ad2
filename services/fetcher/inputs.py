"""Turn local files, directories and single URLs into RawArticles; no Kafka here.

Supported files: ``.txt`` in the seed format (headline line, then body), ``.html``/``.htm`` pages,
``.jsonl`` with one RawArticle per line; each may be gzip-compressed (``.gz``). Anything that cannot
become a RawArticle yields an :class:`InputError` with a one-line reason instead of raising, so one
bad file never stops a batch.

Only regular files are read, at most a bounded number of bytes (a device, a pipe or a kernel pseudo-file
is refused before it is opened), and a directory walk does not follow a link out of the directory: a
link to ``/etc/passwd`` dropped into a watched folder is not published. A file-level error carries no
payload (the path says where the file is); only a JSON line that failed carries that line.
"""

from __future__ import annotations

import email.utils
import gzip
import json
import logging
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import charset_normalizer
from pydantic import ValidationError

from schemas import InvalidMessage, RawArticle, Stage, decode
from schemas.codec import MAX_MESSAGE_BYTES, describe_validation_error
from services.fetcher.http import AddressPolicy, Fetched, FetchError, SafeClient
from services.fetcher.urls import canonical_url

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES

# Larger inputs are refused outright: no news article is this big, and a runaway file must not
# exhaust memory. Matches the schema's own cap on raw text and HTML. A JSONL archive is read line by line
# instead, so it may be of any size; each line is bounded by what one message may carry.
MAX_FILE_BYTES = 5_000_000
MAX_DECOMPRESSED_BYTES = 20_000_000
MAX_LINE_BYTES = MAX_MESSAGE_BYTES
# Kernel pseudo-files look like regular files of size 0; they are never articles.
PSEUDO_FILESYSTEMS = (Path("/proc"), Path("/sys"), Path("/dev"))
# JSONL timestamps written without a zone (``2017-09-15T00:00:00``) are read as UTC.
TIMESTAMP_FIELDS = ("published_at", "fetched_at")
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


def _check_readable(path: Path) -> None:
    """Refuse what is not an ordinary file before opening it (opening a FIFO would block forever)."""
    resolved = path.resolve()
    if any(resolved.is_relative_to(root) for root in PSEUDO_FILESYSTEMS):
        raise ValueError(f"{resolved} is a system pseudo-file, not an article")
    if not stat.S_ISREG(resolved.stat().st_mode):
        raise ValueError("not a regular file (a device, a pipe or a socket)")


def _open(path: Path) -> BinaryIO:
    _check_readable(path)
    if path.suffix.lower() == ".gz":
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # a binary file object, as open() gives
    return path.open("rb")


def _read_bytes(path: Path) -> bytes:
    """The whole (unzipped) file, refused past its limit; the size on disk is not trusted (it may grow, or
    be a gzip bomb), only what was read."""
    zipped = path.suffix.lower() == ".gz"
    limit = MAX_DECOMPRESSED_BYTES if zipped else MAX_FILE_BYTES
    with _open(path) as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"file is over the {limit}-byte limit{' unzipped' if zipped else ''}")
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
    return decode_undeclared(data)


def decode_undeclared(data: bytes) -> str:
    """Text that is not valid UTF-8 and names no charset that fits. UTF-8 with a few broken bytes stays
    UTF-8 (each broken byte becomes U+FFFD). Text whose letters are mostly ASCII is a Western 8-bit text,
    read as Windows-1252 (older newsroom exports: a £ in a BBC text file), since detectors guess short
    texts poorly. Anything else (a Cyrillic or Greek 8-bit text) is detected (charset-normalizer)."""
    as_utf8 = data.decode("utf-8", errors="replace")
    broken = as_utf8.count("\ufffd")
    well_formed = sum(1 for character in as_utf8 if character > "\x7f" and character != "\ufffd")
    if well_formed > broken:
        return as_utf8
    western = data.decode("cp1252", errors="replace")
    letters = [character for character in western if character.isalpha()]
    if sum(1 for character in letters if not character.isascii()) <= WESTERN_NON_ASCII_SHARE * len(letters):
        return western
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else western


# In Western European text few letters are accented; a Cyrillic 8-bit text read as Windows-1252 is
# nearly all accented letters.
WESTERN_NON_ASCII_SHARE = 0.3
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
    if kind in JSONL_SUFFIXES:
        yield from _read_jsonl(path, origin, backfill=backfill)
        return
    try:
        data = _read_bytes(path)
    except (OSError, ValueError, EOFError) as error:
        yield InputError(origin, f"cannot read {origin}: {error}", error_class=type(error).__name__)
        return
    try:
        text = decode_text(data, origin)
    except ValueError as error:
        yield InputError(origin, f"{origin}: {error}", error_class="DecodeError")
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


def _read_jsonl(path: Path, origin: str, *, backfill: bool) -> Iterator[InputItem]:
    """One article per line, read as a stream: an archive of any size, each line bounded."""
    try:
        with _open(path) as handle:
            head = handle.read(4096)
        if b"\x00" in head:  # one clear error, not one per accidental newline in binary data
            yield InputError(origin, f"{origin}: binary data, not JSON lines", error_class="DecodeError")
            return
        zoneless = 0
        for number, line in _lines(path):
            where = f"{origin}:{number}"
            if line is None:
                yield InputError(where, f"{where}: line over the {MAX_LINE_BYTES}-byte limit", error_class="TooLarge")
                continue
            if not line.strip():
                continue
            line, guessed = with_zones(line)
            zoneless += guessed
            try:
                article = decode(RawArticle, line)
            except InvalidMessage as error:
                yield InputError(where, f"{where}: {error.reason}", payload=line, error_class="InvalidMessage")
                continue
            yield article.model_copy(update={"backfill": True}) if backfill and not article.backfill else article
        if zoneless:
            log.warning("%s: %d timestamps named no time zone and were read as UTC", origin, zoneless)
    except (OSError, ValueError, EOFError) as error:
        yield InputError(origin, f"cannot read {origin}: {error}", error_class=type(error).__name__)


def _lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """(line number, the line, or None when it is over the limit: the rest of it is skipped)."""
    with _open(path) as handle:
        number = 0
        while line := handle.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(line) <= MAX_LINE_BYTES:
                yield number, line
                continue
            while line and not line.endswith(b"\n"):
                line = handle.readline(MAX_LINE_BYTES)
            yield number, None


def with_zones(line: bytes) -> tuple[bytes, int]:
    """The JSON line with its timestamps in ISO 8601 with a zone, and how many named no zone (read as UTC).

    Archives write times in many ways: ISO with or without a zone, RFC 2822 as feeds do ("Fri, 15 Sep 2017
    08:00:00 GMT"), or seconds since the epoch. Anything else is left as it was: the schema reports it.
    """
    try:
        record = json.loads(line)
    except ValueError:
        return line, 0
    if not isinstance(record, dict):
        return line, 0
    changed, zoneless = False, 0
    for field in TIMESTAMP_FIELDS:
        moment = _read_time(record.get(field))
        if moment is None:
            continue
        if moment.tzinfo is None:
            moment, zoneless = moment.replace(tzinfo=UTC), zoneless + 1
        record[field], changed = moment.isoformat(), True
    return (json.dumps(record).encode() if changed else line), zoneless


def _read_time(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 32_503_680_000:
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(value)  # naive when the text says -0000 or nothing
    except (TypeError, ValueError, IndexError):
        return None


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
    from services.common.metadata import read_page_metadata, same_site

    html = decode_text(fetched.content, fetched.url, content_type=fetched.content_type)
    page = read_page_metadata(html, base_url=fetched.url)
    canonical = page.canonical if page.canonical and same_site(page.canonical, fetched.url) else fetched.url
    return RawArticle(
        url=fetched.url,
        canonical_url=canonical_url(canonical),
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
            yield from _walk_directory(path, backfill=backfill)
        elif path.exists():
            yield from read_file(path, backfill=backfill)
        else:
            yield InputError(item, f"no such file or directory: {item}", error_class="FileNotFoundError")


def _walk_directory(root: Path, *, backfill: bool) -> Iterator[InputItem]:
    """The supported files under ``root``, in sorted order. A link is followed only when it stays inside
    ``root``; one that leads out is reported, not read."""
    inside = root.resolve()
    found: list[Path] = []
    for folder, _, names in os.walk(root, followlinks=False):
        found.extend(Path(folder) / name for name in names if _real_suffix(Path(name)) in SUPPORTED_SUFFIXES)
    for child in sorted(found):
        if child.is_symlink() and not child.resolve().is_relative_to(inside):
            yield InputError(
                str(child),
                f"{child} links to {child.resolve()}, outside {root}; not followed",
                error_class="UnsafePath",
            )
        elif child.is_file():
            yield from read_file(child, backfill=backfill)
