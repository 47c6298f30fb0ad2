"""Article metadata from a page's own markup: headline, authors, publish date, canonical URL, site name.

Publishers describe their articles for machines in several places — schema.org JSON-LD, Open Graph and
other ``<meta>`` tags, ``<link rel=canonical>``, the ``<h1>`` and ``<title>``. Each value is taken from the
most specific source that has it, and cross-checked against the others where they disagree.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import html as lxml_html

_ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting", "socialmediaposting", "webpage", "report",
    "scholarlyarticle", "techarticle", "satiricalarticle", "askpublicnewsarticle", "mediaobject", "videoobject",
}  # fmt: skip
_TITLE_SEPARATORS = re.compile(r"\s+(?:[|·•–—:]|-{1,2}|::)\s+")
_NON_NAME = re.compile(r"https?://|www\.|\.com\b|@", re.I)
_JOINED_NAMES = re.compile(r"\s*(?:,|;|\band\b|&)\s*")
_ROLES = {"reporter", "correspondent", "staff", "editor", "contributor", "writer", "columnist", "staff writer"}
_BYLINE_PREFIX = re.compile(r"^(?:by|from|written by|words by|von|par|por)\s+", re.I)
_PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "datepublished", "publishdate", "publish-date",
    "pubdate", "date", "dc.date", "dc.date.issued", "dcterms.created", "sailthru.date", "parsely-pub-date",
    "article.published", "og:published_time", "cxenseparse:recs:publishtime", "publication_date",
)  # fmt: skip


# The page is already decoded text; re-encoded as UTF-8, it must not be re-read in a charset it declares.
_UTF8_PARSER = lxml_html.HTMLParser(encoding="utf-8")


@dataclass
class PageMetadata:
    """Every candidate a page offers, gathered once; the properties pick the answer."""

    ld_articles: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    h1: list[str] = field(default_factory=list)
    title_tag: str = ""
    canonical: str | None = None

    @property
    def site_name(self) -> str | None:
        for article in self.ld_articles:
            publisher = article.get("publisher")
            if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
                return publisher["name"].strip()
        return self.meta.get("og:site_name") or self.meta.get("application-name")

    @property
    def headline(self) -> str | None:
        """The headline a reader sees: the page's <h1> when its metadata names the same headline (so it is
        not a logo or a section name), else the headline most of its metadata agrees on (JSON-LD, Open
        Graph, Twitter, <title>; ties in that order), else the first <h1>.

        Titles from metadata are stripped of the site name the publisher appends (``… | CBC News``).
        """
        described = [
            strip_site_name(_clean_text(value), self.site_name)
            for value in (
                *(a.get("headline") or a.get("name") for a in self.ld_articles[:1]),
                self.meta.get("og:title"),
                self.meta.get("twitter:title"),
                self.title_tag,
            )
            if isinstance(value, str) and value.strip()
        ]
        keys = [_headline_key(value) for value in described]
        for heading in self.h1[:3]:
            if _headline_key(heading) in keys:
                return _clean_text(heading)
        if described:
            return max(described, key=lambda value: (keys.count(_headline_key(value)), -described.index(value)))
        return _clean_text(self.h1[0]) if self.h1 else None

    @property
    def descriptions(self) -> list[str]:
        """The page's standfirst as its metadata gives it (used to keep it out of the body)."""
        values = [a.get("description") for a in self.ld_articles[:1]]
        values += [self.meta.get(k) for k in ("og:description", "description", "twitter:description")]
        return [_clean_text(v) for v in values if isinstance(v, str) and v.strip()]

    @property
    def authors(self) -> list[str]:
        names: list[str] = []
        for article in self.ld_articles:
            names.extend(_ld_names(article.get("author")) or _ld_names(article.get("creator")))
            if names:
                break
        if not names:
            for key in ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl"):
                value = self.meta.get(key)
                if value and not value.startswith("http"):
                    names.append(value)
                    break
        return dedupe_names(names)

    @property
    def published_at(self) -> datetime | None:
        for article in self.ld_articles:
            for key in ("datePublished", "dateCreated", "uploadDate"):
                parsed = parse_datetime(article.get(key))
                if parsed:
                    return parsed
        for key in _PUBLISHED_META:
            parsed = parse_datetime(self.meta.get(key))
            if parsed:
                return parsed
        return None


def read_page_metadata(html: str, base_url: str | None = None) -> PageMetadata:
    """Gather every metadata candidate of a page; broken markup yields what could be read."""
    try:
        document = lxml_html.fromstring(html.encode("utf-8", "replace"), parser=_UTF8_PARSER)
    except (ValueError, lxml_html.etree.ParserError):
        return PageMetadata()
    metadata = PageMetadata()
    for script in document.xpath('//script[@type="application/ld+json"]/text()'):
        metadata.ld_articles.extend(_ld_articles(script))
    for tag in document.xpath("//meta[@content]"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        if key and key not in metadata.meta and tag.get("content", "").strip():
            metadata.meta[key] = tag.get("content").strip()
    for tag in document.xpath("//*[@itemprop='datePublished']"):
        value = tag.get("datetime") or tag.get("content")
        if value:
            metadata.meta.setdefault("datepublished", value)
    metadata.h1 = [text for text in (" ".join(h.text_content().split()) for h in document.xpath("//h1")) if text]
    metadata.title_tag = " ".join((document.findtext(".//title") or "").split())
    canonical = document.xpath('//link[@rel="canonical"]/@href') or [metadata.meta.get("og:url", "")]
    if canonical and canonical[0].strip():
        href = urljoin(base_url or "", canonical[0].strip())
        metadata.canonical = href if href.startswith(("http://", "https://")) else None
    return metadata


def same_site(canonical: str, fetched: str) -> bool:
    """Whether a page may name ``canonical`` as its address: the same host, or one a subdomain of the other
    (``www.``, ``m.``). The article id comes from the canonical URL, so a page naming another site's
    address would take that site's id and could overwrite its article."""
    named, own = (urlsplit(url).hostname or "" for url in (canonical, fetched))
    return bool(named and own) and (named == own or named.endswith(f".{own}") or own.endswith(f".{named}"))


def _ld_articles(script: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(script)
    except ValueError:
        return []
    found, stack = [], [data]
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            kinds = item.get("@type", [])
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if any(isinstance(kind, str) and kind.lower() in _ARTICLE_TYPES for kind in kinds):
                found.append(item)
            for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                if isinstance(item.get(key), (list, dict)):
                    stack.append(item[key])
    # Specific article types before generic WebPage descriptions.
    return sorted(found, key=lambda a: "webpage" in str(a.get("@type", "")).lower())


def _ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [name for item in value for name in _ld_names(item)]
    return []


def _headline_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _clean_text(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def strip_site_name(title: str, site_name: str | None) -> str:
    """``Floods close roads | Example News`` → ``Floods close roads``; the site name is known or looks like one.

    Only trailing segments are cut, at their separator; the rest of the title is left exactly as written.
    """
    site = (site_name or "").casefold()
    while True:
        separators = list(_TITLE_SEPARATORS.finditer(title))
        if not separators:
            return title
        last = separators[-1]
        tail = title[last.end() :].strip().casefold()
        is_site = bool(site) and bool(tail) and (tail in site or site in tail)
        if not (is_site or (len(tail.split()) <= 4 and _looks_like_site(tail))):
            return title
        title = title[: last.start()].rstrip()


def _looks_like_site(text: str) -> bool:
    return bool(re.search(r"\b(news|times|post|daily|tribune|herald|journal|\.com|\.co\.|\.ca|online|tv)\b", text))


def dedupe_names(names: list[str]) -> list[str]:
    """Clean byline names: one per person (``A, B and C`` split; ``chuck-ross`` = ``Chuck Ross``), no URLs,
    handles, "By" or job titles."""
    result: list[str] = []
    seen: set[str] = set()
    for raw in (part for joined in names for part in _JOINED_NAMES.split(joined)):
        name = _BYLINE_PREFIX.sub("", " ".join(raw.split())).strip(" ,;")
        if re.fullmatch(r"[a-z]+(?:-[a-z]+)+", name):  # a URL slug of a name
            name = name.replace("-", " ").title()
        if name.casefold() in _ROLES:
            continue
        if not name or _NON_NAME.search(name) or len(name) > 80:
            continue
        key = re.sub(r"[\W_]+", " ", name).casefold().strip()
        if key and key not in seen:
            seen.add(key)
            result.append(name)
    return result


EARLIEST_PUBLICATION_YEAR = 1900
# A publication date this far after the article was fetched is a placeholder or a lie (9999-12-31): it
# would file the article under a month that has not come, in an index of its own.
LATEST_AHEAD = timedelta(days=1)


def plausible_date(value: datetime | None, fetched_at: datetime) -> datetime | None:
    """``value`` when it can be when an article was published, seen at ``fetched_at``; else None."""
    if value is None or value.year < EARLIEST_PUBLICATION_YEAR or value > fetched_at + LATEST_AHEAD:
        return None
    return value


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 (with or without zone; a date alone counts as midnight UTC) → aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.year < EARLIEST_PUBLICATION_YEAR:
        return None  # a CMS's "no date" placeholder (0001-01-01), not when the page was published
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
