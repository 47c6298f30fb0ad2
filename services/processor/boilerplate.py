"""Learned boilerplate: paragraphs a source repeats in many of its recent articles are not the story.

Hand-written rules catch what one article shows (datelines, ``Read More:``); this catches what only a
series shows — a press agency's "About us" footer, a newsletter plug, a standing disclaimer — so a new
source needs no new rule. State per source is a small JSON-able dict kept in any mutable mapping: a plain
dict offline, a partition of the group stage's state in the pipeline. At most ``max_sources`` are held (in
the pipeline: per partition, across its languages; see held.py), the source heard from least recently
forgotten first.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from services.processor.held import Held

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class BoilerplateSettings:
    window: int = 50  # recent articles remembered per source
    min_articles: int = 5  # learn nothing before a source has this many articles
    min_share: float = 0.3  # a paragraph in this share of recent articles is boilerplate…
    min_count: int = 3  # …and in at least this many of them
    max_sources: int = 10_000


def paragraph_key(paragraph: str) -> str:
    """Case- and punctuation-insensitive fingerprint of a paragraph."""
    words = " ".join(_WORD.findall(paragraph.casefold()))
    return hashlib.blake2b(words.encode("utf-8"), digest_size=8).hexdigest()


class BoilerplateLearner:
    """Learns and strips per-source recurring paragraphs; ``store`` maps source → learned state."""

    def __init__(
        self, store: MutableMapping[str, Any], settings: BoilerplateSettings | None = None, held: Held | None = None
    ) -> None:
        self.store = store
        self.settings = settings or BoilerplateSettings()
        # Least recently heard from first: the order sources are forgotten in when there are too many.
        self.held = held if held is not None else Held(self.settings.max_sources)
        for source, state in store.items():
            self.held.restore(self, source, state.get("q", 0))
        if held is None:
            self.held.settle()

    def forget_held(self, source: str) -> None:
        self.store.pop(source, None)

    def recurring(self, source: str, *, excluding: str | None = None) -> set[str]:
        """Keys of paragraphs recurring in the source's recent articles (other than ``excluding``)."""
        recent = [(article, keys) for article, keys in (self.store.get(source) or {}).get("recent", [])]
        recent = [(article, keys) for article, keys in recent if article != excluding]
        if len(recent) < self.settings.min_articles:
            return set()
        counts = Counter(key for _, keys in recent for key in set(keys))
        needed = max(self.settings.min_count, self.settings.min_share * len(recent))
        return {key for key, count in counts.items() if count >= needed}

    def observe(self, source: str, article_id: str, paragraphs: list[str]) -> None:
        """Remember an article's paragraphs; seeing the same article again changes nothing."""
        state = dict(self.store.get(source) or {})
        if any(entry[0] == article_id for entry in state.get("recent", [])):
            return
        recent = list(state.get("recent", []))
        recent.append([article_id, sorted({paragraph_key(p) for p in paragraphs})])
        state["recent"] = recent[-self.settings.window :]
        state["q"] = self.held.use(self, source)
        self.store[source] = state

    def strip(self, source: str, article_id: str, body: str) -> tuple[str, int]:
        """The body without the source's recurring paragraphs (never all of it), and how many went.

        The article is learned from before it is judged by what was learned from the others.
        """
        paragraphs = [p for p in body.split("\n\n") if p.strip()]
        recurring = self.recurring(source, excluding=article_id)
        self.observe(source, article_id, paragraphs)
        kept = [p for p in paragraphs if paragraph_key(p) not in recurring]
        if not kept:
            return body, 0
        return "\n\n".join(kept), len(paragraphs) - len(kept)
