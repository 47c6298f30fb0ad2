"""One poll of one source: fetch what it announces, fetch the article pages that are new, publish.

A feed or sitemap entry becomes an article by fetching its page (the raw HTML goes into the RawArticle
so the processor can extract it, and re-extract later); the feed's own summary is only the fallback
when the page cannot be had. Which links were already turned into articles is remembered beside the
published fingerprints in the compacted ``seen`` topic, so a known link costs nothing — no request —
on the next poll or after a restart.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lxml import html as lxml_html
from lxml.etree import ParserError
from pydantic import ValidationError

from schemas import RawArticle, Stage, article_id
from schemas.codec import describe_validation_error
from services.fetcher.feeds import FeedEntry, FeedError, parse_announcements
from services.fetcher.http import Fetched, FetchError, SafeClient, Validators
from services.fetcher.inputs import PAGE_TYPES, SUPPORTED_SUFFIXES, InputError, InputItem, page_article, read_file
from services.fetcher.politeness import HostGate, RobotsPolicy
from services.fetcher.publisher import Publisher
from services.fetcher.schedule import PollState
from services.fetcher.settings import FetcherSettings
from services.fetcher.sources import Source, SourceKind

log = logging.getLogger(__name__)

FEED_TYPES = ("xml", "rss", "atom", "rdf", "text/plain", "octet-stream")
LINK_PREFIX = "link:"
# A sitemap index may list hundreds of sitemaps; the first ones are the current ones by convention.
MAX_CHILD_SITEMAPS = 10


class SourceFailure(Exception):
    """The source as a whole produced nothing this time (its feed is broken, unreachable, refused)."""

    def __init__(self, reason: str, http_status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status


@dataclass(frozen=True)
class LinkRecord:
    """What became of one announced link: the article it was published as, the entry's date when it
    was (a later date means the entry changed), and failed attempts so far."""

    article: str | None = None
    stamp: str | None = None
    failures: int = 0

    def dumps(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, value: str | None) -> LinkRecord | None:
        if not value:
            return None
        try:
            return cls(**json.loads(value))
        except (ValueError, TypeError):
            return None


@dataclass
class PollReport:
    """What one poll did; the schedule and `newsflow sources` are built from it."""

    http_status: int | None = None
    validators: Validators = field(default_factory=Validators)
    new: int = 0  # published, new or changed
    known: int = 0  # already published, nothing fetched or nothing changed
    failed: int = 0  # entries dead-lettered
    retrying: int = 0  # entries that failed transiently and are tried again next poll
    problem: str | None = None  # the feed was readable but not clean

    @property
    def not_modified(self) -> bool:
        return self.http_status == 304


def _stamp(entry: FeedEntry) -> str | None:
    return entry.published_at.isoformat() if entry.published_at else None


def summary_text(summary: str | None) -> str:
    """A feed summary (often HTML) as plain text."""
    if not summary or not summary.strip():
        return ""
    try:
        return " ".join(lxml_html.fromstring(summary).text_content().split())
    except (ValueError, ParserError):
        return " ".join(summary.split())


class Poller:
    """Polls sources with one shared HTTP client, host gate and robots policy (thread-safe: one worker
    thread per source at a time)."""

    def __init__(
        self,
        settings: FetcherSettings,
        publisher: Publisher,
        client: SafeClient,
        gate: HostGate,
        robots: RobotsPolicy | None,
        stopping: threading.Event | None = None,
    ) -> None:
        self.settings = settings
        self.publisher = publisher
        self.client = client
        self.gate = gate
        self.robots = robots
        self.stopping = stopping or threading.Event()
        self._file_stamps: dict[str, dict[Path, tuple[int, int]]] = {}

    def poll(self, source: Source, state: PollState) -> PollReport:
        """Poll once; raises SourceFailure when the source as a whole failed."""
        if source.kind is SourceKind.PATH:
            return self._poll_path(source)
        if source.kind is SourceKind.PAGE:
            return self._poll_page(source, state)
        return self._poll_announcements(source, state)

    # -- fetching ---------------------------------------------------------------------------------

    def fetch(self, url: str, accept: tuple[str, ...], validators: Validators | None = None) -> Fetched:
        """One polite, checked GET: robots.txt first, then one request at a time per host."""
        if self.robots is not None and not self.robots.allowed(url):
            raise FetchError(f"{url}: disallowed by robots.txt", transient=False)
        with self.gate.visit(url):
            return self.client.get(url, accept=accept, validators=validators)

    def _page_article(self, source: Source, fetched: Fetched, entry: FeedEntry | None) -> RawArticle:
        return page_article(
            fetched,
            source=source.name,
            title=entry.title if entry else None,
            published_at=entry.published_at if entry else None,
            language_hint=source.language or (entry.language if entry else None),
        )

    def _fetch_source(
        self, url: str, accept: tuple[str, ...], validators: Validators | None
    ) -> tuple[Fetched, PollReport]:
        """The source's own document and the report it starts; a failure fails the whole poll."""
        try:
            fetched = self.fetch(url, accept, validators)
        except FetchError as error:
            raise SourceFailure(error.reason, error.status) from None
        return fetched, PollReport(http_status=fetched.status, validators=fetched.validators)

    # -- kinds ------------------------------------------------------------------------------------

    def _poll_announcements(self, source: Source, state: PollState) -> PollReport:
        url = source.url or ""
        # Entries waiting for another attempt are only seen again if the feed is read again in full.
        validators = None if state.pending_retries else Validators(state.etag, state.last_modified)
        fetched, report = self._fetch_source(url, FEED_TYPES, validators)
        if fetched.not_modified:
            return report
        try:
            parsed = parse_announcements(fetched.content, content_type=fetched.content_type, base_url=fetched.url)
        except FeedError as error:
            reason = f"{url}: {error}"
            if not state.consecutive_errors:  # once per failure streak, not once per retry
                letter = InputError(
                    url, reason, payload=fetched.content[:65_536], error_class="FeedError", stage=Stage.FETCH
                )
                self.publisher.publish([letter])
            raise SourceFailure(reason, fetched.status) from None
        entries = list(parsed.entries)
        problems = [parsed.problem] if parsed.problem else []
        for child in parsed.sitemaps[:MAX_CHILD_SITEMAPS]:
            try:
                entries.extend(parse_announcements(self.fetch(child, FEED_TYPES).content).entries)
            except (FetchError, FeedError) as error:
                problems.append(f"{child}: {error}")
        report.problem = "; ".join(problems) or None
        self._take(source, entries, report)
        return report

    def _take(self, source: Source, entries: list[FeedEntry], report: PollReport) -> None:
        """Turn the entries not yet published into articles and publish them."""
        unique = list({entry.url: entry for entry in reversed(entries)}.values())[::-1]
        fresh = [entry for entry in unique if not self._known(entry)]
        report.known += len(unique) - len(fresh)
        fresh_urls = {entry.url for entry in fresh}
        for entry in unique:  # still listed: their entries in the published record must not expire
            if entry.url not in fresh_urls and self.publisher.still_seen(LINK_PREFIX + article_id(entry.url)):
                self.publisher.still_seen(self._article_of(entry))  # looked up only on the daily renewal
        # Newest first, so a first poll of a long sitemap starts with today's news.
        fresh.sort(key=lambda entry: entry.published_at.timestamp() if entry.published_at else 0.0, reverse=True)
        items: list[InputItem] = []
        links: list[tuple[str, LinkRecord]] = []
        for entry in fresh[: self.settings.fetcher_max_articles_per_poll]:
            if self.stopping.is_set():
                break  # what is left stays unknown and is fetched by the next run
            item, record = self._entry_article(source, entry)
            links.append((LINK_PREFIX + article_id(entry.url), record))
            if item is None:
                report.retrying += 1
            else:
                items.append(item)
                report.failed += isinstance(item, InputError)
        # Entries past this poll's share (or left at a stop) wait for the next poll, which must then read the
        # feed in full: a conditional request would be answered 304 and they would never be fetched.
        report.retrying += len(fresh) - len(links)
        counts = self.publisher.publish(items)
        # Only after the broker acknowledged the articles: a crash in between refetches, never loses.
        for key, record in links:
            self.publisher.remember(key, record.dumps())
        report.new += counts.published + counts.updated
        report.known += counts.unchanged

    def _article_of(self, entry: FeedEntry) -> str:
        """The id of the article a link became (its own id when it went nowhere else)."""
        record = LinkRecord.loads(self.publisher.seen.fingerprints.get(LINK_PREFIX + article_id(entry.url)))
        return record.article if record is not None and record.article else article_id(entry.url)

    def _known(self, entry: FeedEntry) -> bool:
        record = LinkRecord.loads(self.publisher.seen.fingerprints.get(LINK_PREFIX + article_id(entry.url)))
        if record is None:
            return article_id(entry.url) in self.publisher.seen.fingerprints
        if record.article is None:
            return record.failures >= self.settings.fetcher_page_attempts
        return record.stamp == _stamp(entry) or _stamp(entry) is None

    def _entry_article(self, source: Source, entry: FeedEntry) -> tuple[InputItem | None, LinkRecord]:
        """The entry's article (page, else summary), a dead letter, or None to try again next poll."""
        if not source.fetch_articles:
            fallback = self._summary_article(source, entry)
            if fallback is not None:
                return fallback, LinkRecord(fallback.id, _stamp(entry))
            reason = f"{entry.url}: the feed entry has no summary and article pages are not fetched for this source"
            return InputError(entry.url, reason, stage=Stage.FETCH), LinkRecord(None, _stamp(entry), 1_000_000)
        previous = LinkRecord.loads(self.publisher.seen.fingerprints.get(LINK_PREFIX + article_id(entry.url)))
        try:
            article = self._page_article(source, self.fetch(entry.url, PAGE_TYPES), entry)
            return article, LinkRecord(article.id, _stamp(entry))
        except FetchError as error:
            reason, error_class, transient = error.reason, "FetchError", error.transient
        except ValueError as error:  # undecodable bytes, or a page the RawArticle contract refuses
            detail = describe_validation_error("RawArticle", error) if isinstance(error, ValidationError) else error
            reason, error_class, transient = f"{entry.url}: {detail}", type(error).__name__, False
        failures = (previous.failures if previous else 0) + 1
        if transient and failures < self.settings.fetcher_page_attempts:
            log.info("%s: %s (attempt %d, tried again next poll)", source.name, reason, failures)
            return None, LinkRecord(None, _stamp(entry), failures)
        given_up = LinkRecord(None, _stamp(entry), self.settings.fetcher_page_attempts)
        fallback = self._summary_article(source, entry)
        if fallback is not None:
            log.info("%s: %s; published the feed's summary instead", source.name, reason)
            return fallback, LinkRecord(fallback.id, _stamp(entry))
        return InputError(entry.url, reason, error_class=error_class, stage=Stage.FETCH), given_up

    def _summary_article(self, source: Source, entry: FeedEntry) -> RawArticle | None:
        text = summary_text(entry.summary)
        if not text:
            return None
        return RawArticle(
            url=entry.url,
            source=source.name,
            title=entry.title,
            text=text,
            published_at=entry.published_at,
            language_hint=source.language or entry.language,
        )

    def _poll_page(self, source: Source, state: PollState) -> PollReport:
        url = source.url or ""
        fetched, report = self._fetch_source(url, PAGE_TYPES, Validators(state.etag, state.last_modified))
        if fetched.not_modified:
            return report
        try:
            item: InputItem = self._page_article(source, fetched, None)
        except ValueError as error:
            detail = describe_validation_error("RawArticle", error) if isinstance(error, ValidationError) else error
            item = InputError(url, f"{url}: {detail}", payload=fetched.content[:65_536], stage=Stage.FETCH)
        counts = self.publisher.publish([item])
        report.new, report.known, report.failed = (
            counts.published + counts.updated,
            counts.unchanged,
            counts.dead_lettered,
        )
        if counts.dead_lettered:
            raise SourceFailure(item.reason if isinstance(item, InputError) else "dead-lettered", fetched.status)
        return report

    def _poll_path(self, source: Source) -> PollReport:
        root = source.path or Path()
        if not root.exists():
            raise SourceFailure(f"no such file or directory: {root}")
        stamps = self._file_stamps.setdefault(source.name, {})
        candidates = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root]
        items: list[InputItem] = []
        for path in candidates:
            if not _supported(path):
                continue
            try:
                stat = path.stat()
            except OSError:
                continue  # removed since the listing
            if stamps.get(path) != (stat.st_size, stat.st_mtime_ns):
                stamps[path] = (stat.st_size, stat.st_mtime_ns)
                items.extend(read_file(path, source=source.name))
        counts = self.publisher.publish(items)
        return PollReport(new=counts.published + counts.updated, known=counts.unchanged, failed=counts.dead_lettered)


def _supported(path: Path) -> bool:
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    return bool(suffixes) and suffixes[-1] in SUPPORTED_SUFFIXES
