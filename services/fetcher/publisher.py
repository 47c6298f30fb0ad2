"""Publishing RawArticles to news.raw exactly when they are new or changed.

What was published is remembered in a compacted Kafka topic (article id → fingerprint), not a local
file, so a restarted or moved fetcher knows what it already sent.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer
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


class SeenStore:
    """Article id → fingerprint, read back from the compacted topic at start-up."""

    def __init__(self, settings: FetcherSettings) -> None:
        self.settings = settings
        self.fingerprints: dict[str, str] = {}

    def load(self) -> int:
        stored = read_compacted(self.settings, self.settings.topic_seen)
        self.fingerprints = {key: value.decode("utf-8") for key, value in stored.items()}
        return len(self.fingerprints)


class Publisher:
    """Sends articles to news.raw (new or changed only, unless forced) and input errors to news.dlq."""

    def __init__(self, settings: FetcherSettings, producer: KafkaProducer | None = None) -> None:
        self.settings = settings
        compacted = {"cleanup.policy": "compact"}
        ensure_topics(settings, extra={settings.topic_seen: compacted, settings.topic_sources: compacted})
        self.producer = producer or make_producer(settings, "newsflow-fetcher")
        self.seen = SeenStore(settings)
        known = self.seen.load()
        log.info("fetcher knows %d published articles", known)

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
            self.producer.send(self.settings.topic_seen, key=article_id.encode(), value=print_id.encode())
            self.seen.fingerprints[article_id] = print_id
        pending.clear()

    def remember(self, key: str, value: str) -> None:
        """Keep a fact beside the fingerprints (e.g. which article a feed link became)."""
        self.producer.send(self.settings.topic_seen, key=key.encode("utf-8"), value=value.encode("utf-8"))
        self.seen.fingerprints[key] = value

    def close(self) -> None:
        self.producer.flush()
        self.producer.close()
