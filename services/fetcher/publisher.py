"""Publishing RawArticles to news.raw exactly when they are new or changed.

What was published is remembered in a compacted Kafka topic (article id → fingerprint), not a local
file, so a restarted or moved fetcher knows what it already sent. The record is followed, not only read
at start: what another fetcher publishes is known here within a poll. Each entry carries when its article
was last seen; one not seen for ``NEWSFLOW_FETCHER_SEEN_EXPIRY_DAYS`` is forgotten (a tombstone), so the
record holds the articles sources still list, not every article ever fetched.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from lxml import html as lxml_html
from lxml.etree import ParserError

from schemas import RawArticle, dead_letter, encode
from services.common.messaging import ensure_topics, make_producer, publish_dead_letter, read_compacted
from services.fetcher.inputs import InputError, InputItem
from services.fetcher.settings import FetcherSettings

log = logging.getLogger(__name__)

# kafka-python 3 has no bounded producer buffer (buffer_memory is gone), so the publisher waits for
# acknowledgements every this many messages instead of letting a large archive pile up in memory.
MAX_IN_FLIGHT = 1000
RENEW_S = 86_400.0  # an entry still seen is rewritten with its new time at most this often
EXPIRE_EVERY_S = 3_600.0


def fingerprint(article: RawArticle) -> str:
    """What makes two deliveries of one article the same content.

    For HTML only the visible text counts: a page re-served with a new session token, script or ad
    markup is the same article, and republishing it would only churn the pipeline.
    """
    digest = hashlib.sha256()
    for part in (article.title, article.text, visible_text(article.html) if article.html else None):
        digest.update((part or "").encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def visible_text(html: str) -> str:
    """The page's text without scripts, styles and comments, whitespace collapsed."""
    try:
        document = lxml_html.fromstring(html.encode("utf-8", "replace"))
    except (ValueError, ParserError):
        return html
    for node in document.xpath("//script|//style|//noscript|//template|//comment()"):
        if node.getparent() is not None:
            node.drop_tree()
    return " ".join(document.text_content().split())


@dataclass
class PublishCounts:
    published: int = 0
    updated: int = 0
    unchanged: int = 0
    dead_lettered: int = 0


def stamped(value: str, seen_at: float) -> bytes:
    """A record value: the fact and when its article was last seen (whole seconds)."""
    return f"{value}\t{int(seen_at)}".encode()


def unstamped(raw: bytes) -> tuple[str, float | None]:
    """(the fact, when last seen); records written before stamps existed have no time."""
    value, tab, stamp = raw.decode("utf-8").rpartition("\t")
    if tab and stamp.isdigit():
        return value, float(stamp)
    return raw.decode("utf-8"), None


class SeenStore:
    """Article id → fingerprint (and other facts, e.g. which article a feed link became), with when each
    was last seen: read back from the compacted topic at start-up, then followed."""

    def __init__(self, settings: FetcherSettings) -> None:
        self.settings = settings
        self.fingerprints: dict[str, str] = {}
        self.seen_at: dict[str, float] = {}
        self._follower: KafkaConsumer | None = None

    def load(self, now: float | None = None) -> list[str]:
        """Read the record; returns the keys found expired (the caller writes their tombstones)."""
        now = time.time() if now is None else now
        self._follower = self._follower or self._follow_from_the_end()
        expired = []
        for key, raw in read_compacted(self.settings, self.settings.topic_seen).items():
            value, seen_at = unstamped(raw)
            if seen_at is not None and now - seen_at > self.expiry_s:
                expired.append(key)
                continue
            self.fingerprints[key] = value
            self.seen_at[key] = seen_at if seen_at is not None else now
        return expired

    @property
    def expiry_s(self) -> float:
        return self.settings.fetcher_seen_expiry_days * 86_400

    def _follow_from_the_end(self) -> KafkaConsumer:
        """A reader placed at the record's end before it is loaded, so nothing written meanwhile is missed."""
        follower = KafkaConsumer(**self.settings.kafka_client_options(), group_id=None, enable_auto_commit=False,
                                 client_id="newsflow-fetcher-seen")  # fmt: skip
        partitions = [
            TopicPartition(self.settings.topic_seen, p)
            for p in follower.partitions_for_topic(self.settings.topic_seen) or ()
        ]
        follower.assign(partitions)
        follower.seek_to_end(*partitions)
        for partition in partitions:
            follower.position(partition)  # resolve "the end" now, not at the first poll
        return follower

    def follow(self) -> int:
        """Take in what was written since (by any fetcher); how many entries changed."""
        if self._follower is None:
            return 0
        changed = 0
        for records in self._follower.poll(timeout_ms=0).values():
            for record in records:
                key = record.key.decode("utf-8")
                if record.value is None:
                    self.fingerprints.pop(key, None)
                    self.seen_at.pop(key, None)
                else:
                    self.fingerprints[key], seen_at = unstamped(record.value)
                    self.seen_at[key] = seen_at or time.time()
                changed += 1
        return changed

    def expired(self, now: float) -> list[str]:
        """The keys not seen for longer than the expiry."""
        return [key for key, seen_at in list(self.seen_at.items()) if now - seen_at > self.expiry_s]

    def forget(self, key: str) -> None:
        self.fingerprints.pop(key, None)
        self.seen_at.pop(key, None)

    def close(self) -> None:
        if self._follower is not None:
            self._follower.close()


class Publisher:
    """Sends articles to news.raw (new or changed only, unless forced) and input errors to news.dlq."""

    def __init__(self, settings: FetcherSettings, producer: KafkaProducer | None = None) -> None:
        self.settings = settings
        compacted = {"cleanup.policy": "compact"}
        ensure_topics(settings, extra={settings.topic_seen: compacted, settings.topic_sources: compacted})
        self.producer = producer or make_producer(settings, "newsflow-fetcher")
        self.seen = SeenStore(settings)
        self._expire(self.seen.load())
        log.info("fetcher knows %d published articles", len(self.seen.fingerprints))

    def publish(self, items: list[InputItem], *, force: bool = False, attempt: int = 1) -> PublishCounts:
        """Publish a batch and wait until the broker acknowledged every message in it.

        ``attempt`` says which attempt at these inputs this is (more than 1 when a dead letter is replayed),
        so a letter written for one that fails again counts every failure."""
        counts = PublishCounts()
        pending = []
        for item in items:
            if isinstance(item, InputError):
                letter = dead_letter(
                    item.stage,
                    item.payload,
                    ValueError(item.reason),
                    reason=item.reason,
                    url=item.origin,
                    attempts=attempt,
                ).model_copy(update={"error_class": item.error_class})
                publish_dead_letter(self.producer, self.settings, letter)
                counts.dead_lettered += 1
                continue
            print_id = fingerprint(item)
            previous = self.seen.fingerprints.get(item.id)
            if previous == print_id and not force:
                counts.unchanged += 1
                self.still_seen(item.id)
                continue
            key = item.id.encode("utf-8")
            pending.append(
                (item.id, print_id, self.producer.send(self.settings.topic_raw, key=key, value=encode(item)))
            )
            if previous is None:
                counts.published += 1
            else:
                counts.updated += 1
            if len(pending) >= MAX_IN_FLIGHT:
                self._settle(pending)
        self._settle(pending)
        self.producer.flush()
        return counts

    def _settle(self, pending: list[tuple[str, str, Any]]) -> None:
        """Wait for the broker to acknowledge each article, then remember it as published."""
        for article_id, print_id, future in pending:
            future.get(timeout=120)  # raises if the broker never acknowledged
            self.remember(article_id, print_id)
        pending.clear()

    def remember(self, key: str, value: str) -> None:
        """Keep a fact beside the fingerprints (e.g. which article a feed link became), seen now."""
        now = time.time()
        self.producer.send(self.settings.topic_seen, key=key.encode("utf-8"), value=stamped(value, now))
        self.seen.fingerprints[key] = value
        self.seen.seen_at[key] = now

    def still_seen(self, key: str) -> bool:
        """An entry a source still lists: renewed, at most once a day, so it does not expire; True if now."""
        if key not in self.seen.fingerprints or time.time() - self.seen.seen_at.get(key, 0.0) <= RENEW_S:
            return False
        self.remember(key, self.seen.fingerprints[key])
        return True

    def follow_and_expire(self) -> None:
        """Take in what other fetchers published; forget what no source listed for the expiry period."""
        self.seen.follow()
        if time.monotonic() - self._expired_at > EXPIRE_EVERY_S:
            self._expire(self.seen.expired(time.time()))

    def _expire(self, keys: list[str]) -> None:
        self._expired_at = time.monotonic()
        for key in keys:
            self.producer.send(self.settings.topic_seen, key=key.encode("utf-8"), value=None)
            self.seen.forget(key)
        if keys:
            log.info("forgot %d published articles no source listed for %g days", len(keys),
                     self.settings.fetcher_seen_expiry_days)  # fmt: skip

    def close(self) -> None:
        self.seen.close()
        self.producer.flush()
        self.producer.close()
