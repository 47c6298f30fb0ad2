"""Feeds and sitemaps → the article links they announce; pure functions over the fetched bytes.

feedparser reads every RSS (0.9x, 1.0/RDF, 2.0) and Atom flavour and survives the defects real feeds
have (wrong declared charset, text before the XML declaration); its verdict on a broken feed is kept as
``problem``. Sitemaps are read with lxml with entity resolution and network access off.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from lxml import etree

from services.common.metadata import plausible_date
from services.fetcher.urls import canonical_url

# The XML bombs these limits stop are hostile feeds: a news feed is never near them.
MAX_FEED_BYTES = 10_000_000
_SITEMAP_NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}


class FeedError(ValueError):
    """Bytes that are not a feed or sitemap newsflow can read; the message says why in one line."""


@dataclass(frozen=True)
class FeedEntry:
    """One announced article: where it is and what the feed says about it."""

    url: str
    title: str | None = None
    summary: str | None = None
    published_at: datetime | None = None
    language: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: list[FeedEntry]
    problem: str | None = None  # set when the feed was malformed but still readable
    sitemaps: tuple[str, ...] = ()  # a sitemap index lists further sitemaps, not articles


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = dict.get(entry, key)  # not entry.get: feedparser warns about its own key aliasing
        if value:
            return plausible_date(datetime.fromtimestamp(calendar.timegm(value), tz=UTC), datetime.now(UTC))
    return None


def parse_feed(data: bytes, *, content_type: str | None = None, base_url: str | None = None) -> ParsedFeed:
    """Every entry with a link, in feed order; raises FeedError when nothing readable is there.

    Relative links are resolved against ``base_url`` (where the feed was fetched), else the site link the
    feed itself declares.
    """
    if not data.strip():
        raise FeedError("empty document")
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"feed of {len(data)} bytes exceeds the {MAX_FEED_BYTES}-byte limit")
    if b"<!ENTITY" in data[:65_536].upper():
        raise FeedError("feed declares XML entities (refused: entity expansion)")
    # Whitespace before the XML declaration is the commonest real defect: strict parsers stop there.
    stripped = data.lstrip()
    if stripped.startswith(b"<?xml"):
        data = stripped
    headers = {"content-type": content_type} if content_type else None
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True, resolve_relative_uris=True)
    language = parsed.feed.get("language")
    own = next((ln.get("href") for ln in parsed.feed.get("links", []) if ln.get("rel") == "self"), None)
    base = base_url or own or parsed.feed.get("link") or ""
    entries = []
    for entry in parsed.entries:
        link = entry.get("link") or next((ln.get("href") for ln in entry.get("links", []) if ln.get("href")), None)
        link = urljoin(base, link) if link and base else link
        if not link or not link.startswith(("http://", "https://")):
            continue
        entries.append(
            FeedEntry(
                url=canonical_url(link),
                title=(entry.get("title") or "").strip() or None,
                summary=(entry.get("summary") or "").strip() or None,
                published_at=_entry_time(entry),
                language=entry.get("language") or language,
            )
        )
    problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}" if parsed.bozo else None
    if not entries and (problem or not parsed.version):
        raise FeedError(f"not a readable feed ({problem or 'no RSS or Atom root'})")
    return ParsedFeed(parsed.feed.get("title"), entries, problem)


def parse_sitemap(data: bytes) -> ParsedFeed:
    """A sitemap or Google News sitemap: its article URLs, with news titles and dates where given."""
    if not data.strip():
        raise FeedError("empty document")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data.strip(), parser=parser)
    except etree.XMLSyntaxError as error:
        raise FeedError(f"not a readable sitemap ({error})") from None
    if etree.QName(root).localname not in {"urlset", "sitemapindex"}:
        raise FeedError(f"not a sitemap (root element <{etree.QName(root).localname}>)")
    if etree.QName(root).localname == "sitemapindex":
        children = [
            (node.findtext("sm:loc", namespaces=_SITEMAP_NS) or "").strip()
            for node in root.findall("sm:sitemap", _SITEMAP_NS)
        ]
        return ParsedFeed(None, [], sitemaps=tuple(c for c in children if c.startswith(("http://", "https://"))))
    entries = []
    for node in root.findall("sm:url", _SITEMAP_NS):
        location = (node.findtext("sm:loc", namespaces=_SITEMAP_NS) or "").strip()
        if not location.startswith(("http://", "https://")):
            continue
        title = node.findtext("news:news/news:title", namespaces=_SITEMAP_NS)
        when = node.findtext("news:news/news:publication_date", namespaces=_SITEMAP_NS) or node.findtext(
            "sm:lastmod", namespaces=_SITEMAP_NS
        )
        language = node.findtext("news:news/news:publication/news:language", namespaces=_SITEMAP_NS)
        entries.append(
            FeedEntry(
                url=canonical_url(location),
                title=title.strip() if title else None,
                published_at=_iso(when),
                language=language,
            )
        )
    return ParsedFeed(None, entries)


def parse_announcements(data: bytes, *, content_type: str | None = None, base_url: str | None = None) -> ParsedFeed:
    """A feed or a sitemap, whichever the bytes are."""
    head = data[:2048].lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return parse_sitemap(data)
    return parse_feed(data, content_type=content_type, base_url=base_url)


def _iso(value: str | None) -> datetime | None:
    from services.common.metadata import parse_datetime

    return parse_datetime(value)
