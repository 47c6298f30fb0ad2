"""Where a stage's outcomes go: an article to its output topics, a dead letter to news.dlq with its reason.

Agents hand every outcome to ``Outputs``; the sending itself is a function (faust's producer in the worker,
a list in the tests), so the routing is specified without a broker.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from schemas import CleanArticle, DeadLetter, EnrichedArticle, encode
from services.common.observability import article_context, count_dead_letter

log = logging.getLogger(__name__)

# (topic, key, value): one message on its way out.
Send = Callable[[str, bytes | None, bytes], Awaitable[None]]


class Outputs:
    """Routes outcomes; an article is keyed by its id (so a replay overwrites instead of duplicating) unless
    its stage names another key."""

    def __init__(self, send: Send, dead_letter_topic: str) -> None:
        self._send = send
        self.dead_letter_topic = dead_letter_topic

    async def article(
        self, article: CleanArticle | EnrichedArticle, topics: Sequence[str], key: bytes | None = None
    ) -> None:
        """Send one article to each of ``topics``, encoded once."""
        encoded = encode(article)
        for topic in topics:
            await self._send(topic, key or article.id.encode(), encoded)

    async def dead_letter(self, letter: DeadLetter, key: bytes | None) -> None:
        """Park a message a stage could not handle, keyed as it came in; counted and logged."""
        await self._send(self.dead_letter_topic, key, encode(letter))
        count_dead_letter(letter.stage, letter.error_class)
        log.warning(
            "dead-lettered (%s): %s",
            letter.stage,
            letter.reason[:500],
            extra=article_context(letter.article_id, letter.stage, url=letter.url, offset=letter.offset),
        )
