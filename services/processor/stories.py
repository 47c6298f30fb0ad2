"""Stories: each event's coverage grouped as it arrives, by single-pass clustering of weighted term vectors.

The method is the single-pass clusterer of topic detection and tracking, as streaming news clustering
still does it (Allan et al. 1998; Miranda et al. 2018): an arriving article is compared with the stories of
the recent window and joins the most similar one, or starts a story of its own.

- An article is a sparse vector over the words of its headline and its lead. A word weighs by its rarity in
  general English (wordfreq's Zipf scale: `the` ≈ 0.3, `shooting` ≈ 3.7, `Harambe` ≈ 6), more in the
  headline than in the lead, and more when it is written as a name.
- A story is the sum of its articles' vectors (its centroid, cut to its heaviest terms so its size is
  bounded), with the time it was first and last seen and the headline that started it.
- Candidates are the stories of the window that share a term with the article (an inverted index over
  story terms); the score is the cosine of article and centroid, discounted by the days since the story was
  last seen. The best candidate at or above the threshold is the article's story.
- An article that scores at or above the merge threshold with two stories shows they are one event told
  twice: the younger story merges into the older, which keeps its id (the other remembers ``merged_into``).

State lives in a mutable mapping (story id → a JSON-able record): a dict offline, a partition of a faust
table in the pipeline. At most ``max_stories`` are held (in the pipeline: per partition, across its
languages; see held.py): past that, the story joined least recently is forgotten first, so memory is bounded
by a setting whatever the volume.
"""

from __future__ import annotations

import math
import re
import sys
from collections import defaultdict
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from wordfreq import zipf_frequency

from services.processor.held import Held

_WORD = re.compile(r"[^\W\d_][\w'-]*")
# Reporting words carry no event, however rare their spelling.
_IGNORED = frozenset(
    ["said", "says", "told", "according", "reported", "report", "reports", "news", "update", "updated"]
)
DAY_S = 86400.0


@dataclass(frozen=True)
class StorySettings:
    # Chosen on the dev half of same-story (events with even ids), in the middle of a plateau, and held on
    # the other half (docs/decisions.md, 2026-12-02). Coverage runs for weeks (a death toll revised three
    # weeks on), so the window is a month and the time discount does the rest.
    threshold: float = 0.2  # cosine of article and story, after the time discount
    merge_threshold: float = 0.3  # an article this close to two stories merges them
    window_s: float = 30 * DAY_S  # a story not seen for this long takes no new articles
    lead_words: int = 200
    headline_weight: float = 3.0
    name_weight: float = 2.0  # a word written with a capital inside a sentence
    story_terms: int = 60  # terms a story's centroid keeps
    lookup_terms: int = 12  # an article's heaviest terms, by which candidate stories are looked up
    decay_per_day: float = 0.02  # the score loses this share for each day since the story was last seen
    max_stories: int = 20_000  # stories held at once; the least recently joined go first


@lru_cache(maxsize=131_072)
def rarity(word: str) -> float:
    """How much a word says about which event an article reports: its rarity in general English."""
    return max(0.0, 7.0 - zipf_frequency(word, "en")) if len(word) > 2 and word not in _IGNORED else 0.0


def article_vector(title: str | None, body: str, settings: StorySettings) -> dict[str, float]:
    """The article's terms with their weights (headline, then lead)."""
    vector: dict[str, float] = defaultdict(float)
    lead = " ".join(body.split()[: settings.lead_words])
    for text, weight in ((title or "", settings.headline_weight), (lead, 1.0)):
        for index, match in enumerate(_WORD.finditer(text)):
            word = match.group().strip("'-")
            folded = sys.intern(word.casefold())  # one string per term, shared by centroids and the index
            value = rarity(folded)
            if not value:
                continue
            named = word[:1].isupper() and (index > 0 or weight == settings.headline_weight)
            vector[folded] += weight * value * (settings.name_weight if named else 1.0)
    return dict(vector)


def _norm(vector: dict[str, float]) -> float:
    return math.sqrt(sum(value * value for value in vector.values()))


@dataclass
class Story:
    id: str
    first_seen: float
    last_seen: float
    headline: str | None = None
    centroid: dict[str, float] = field(default_factory=dict)
    articles: int = 0
    touched: int = 0  # when an article last joined, on the ``Held`` ledger's clock
    norm: float = 0.0  # of the centroid, kept with it

    def __post_init__(self) -> None:
        self.norm = _norm(self.centroid)

    def add(self, vector: dict[str, float], timestamp: float, keep: int, articles: int = 1) -> None:
        for term, value in vector.items():
            self.centroid[term] = self.centroid.get(term, 0.0) + value
        if len(self.centroid) > keep:
            self.centroid = dict(sorted(self.centroid.items(), key=lambda item: -item[1])[:keep])
        self.norm = _norm(self.centroid)
        self.first_seen = min(self.first_seen, timestamp)
        self.last_seen = max(self.last_seen, timestamp)
        self.articles += articles

    def record(self) -> dict[str, Any]:
        centroid = {term: round(value, 2) for term, value in self.centroid.items()}
        return {
            "f": self.first_seen, "l": self.last_seen, "h": self.headline, "n": self.articles, "c": centroid,
            "q": self.touched,
        }  # fmt: skip

    @classmethod
    def from_record(cls, story_id: str, record: dict[str, Any]) -> Story:
        return cls(story_id, record["f"], record["l"], record.get("h"), dict(record["c"]), record["n"], record["q"])


@dataclass(frozen=True)
class Joined:
    """Where an article went: its story, and the stories that turned out to be that one."""

    story_id: str
    merged: tuple[str, ...] = ()


class StoryIndex:
    """The stories of the window over ``store``, an inverted index from term to the stories holding it."""

    def __init__(
        self,
        store: MutableMapping[str, Any] | None = None,
        settings: StorySettings | None = None,
        held: Held | None = None,
    ) -> None:
        self.settings = settings or StorySettings()
        self.store: MutableMapping[str, Any] = store if store is not None else {}
        self.stories: dict[str, Story] = {}
        # Term → the story holding it, or a set when several do (most terms are one story's: no set for them).
        self._by_term: dict[str, str | set[str]] = {}
        # Least recently joined first: the order stories are forgotten in, shared with the partition's other
        # languages.
        self.held = held if held is not None else Held(self.settings.max_stories)
        for key, record in self.store.items():
            if "m" not in record:
                story = Story.from_record(key, record)
                self._hold(story)
                self.held.restore(self, story.id, story.touched)
        if held is None:
            self.held.settle()

    def _hold(self, story: Story) -> None:
        self.stories[story.id] = story
        by_term = self._by_term
        for term in story.centroid:
            holders = by_term.get(term)
            if holders is None:
                by_term[term] = story.id
            elif isinstance(holders, set):
                holders.add(story.id)
            elif holders != story.id:
                by_term[term] = {holders, story.id}

    def _release(self, story: Story) -> None:
        by_term = self._by_term
        for term in story.centroid:
            holders = by_term.get(term)
            if holders == story.id:
                del by_term[term]
            elif isinstance(holders, set):
                holders.discard(story.id)
                if len(holders) == 1:
                    by_term[term] = next(iter(holders))
        self.stories.pop(story.id, None)

    def resolve(self, story_id: str) -> str:
        """The story an id stands for now: itself, or the story it was merged into."""
        seen = {story_id}
        record = self.store.get(story_id)
        while record is not None and "m" in record and record["m"] not in seen:
            story_id = record["m"]
            seen.add(story_id)
            record = self.store.get(story_id)
        return story_id

    def score(self, vector: dict[str, float], story: Story, timestamp: float, norm: float | None = None) -> float:
        norm = (_norm(vector) if norm is None else norm) * story.norm
        if not norm:
            return 0.0
        centroid = story.centroid
        cosine = sum(value * centroid[term] for term, value in vector.items() if term in centroid) / norm
        days = abs(timestamp - story.last_seen) / DAY_S
        return cosine * max(0.0, 1.0 - self.settings.decay_per_day * days)

    def candidates(self, vector: dict[str, float], timestamp: float) -> list[Story]:
        """Stories of the window holding one of the article's heaviest terms."""
        heaviest = sorted(vector, key=lambda term: -vector[term])[: self.settings.lookup_terms]
        ids: set[str] = set()
        for term in heaviest:
            holders = self._by_term.get(term)
            if isinstance(holders, set):
                ids.update(holders)
            elif holders is not None:
                ids.add(holders)
        found = [self.stories[story_id] for story_id in sorted(ids)]
        window = self.settings.window_s
        return [s for s in found if s.first_seen - window <= timestamp <= s.last_seen + window]

    def assign(self, article_id: str, title: str | None, body: str, timestamp: float) -> Joined:
        """The story the article joins (or starts: its own id); the story learns the article."""
        vector = article_vector(title, body, self.settings)
        norm = _norm(vector)
        scored = sorted(
            (
                (self.score(vector, story, timestamp, norm), story.first_seen, story.id)
                for story in self.candidates(vector, timestamp)
            ),
            key=lambda item: (-item[0], item[1], item[2]),
        )
        if not scored or scored[0][0] < self.settings.threshold:
            story = Story(article_id, timestamp, timestamp, title)
            self._join(story, vector, timestamp)
            return Joined(story.id)
        # The same event told twice: fold every close story into the oldest of them.
        close = [self.stories[story_id] for score, _, story_id in scored if score >= self.settings.merge_threshold]
        survivor = min(close or [self.stories[scored[0][2]]], key=lambda story: (story.first_seen, story.id))
        merged = tuple(story.id for story in close if story.id != survivor.id)
        for story_id in merged:
            self._merge(self.stories[story_id], survivor)
        self._join(survivor, vector, timestamp)
        return Joined(survivor.id, merged)

    def _join(self, story: Story, vector: dict[str, float], timestamp: float) -> None:
        self._release(story)
        story.add(vector, timestamp, self.settings.story_terms)
        story.touched = self.held.use(self, story.id)
        self._hold(story)
        self.store[story.id] = story.record()

    def _merge(self, story: Story, into: Story) -> None:
        self._release(story)
        self._release(into)
        into.add(story.centroid, story.first_seen, self.settings.story_terms, articles=story.articles)
        into.last_seen = max(into.last_seen, story.last_seen)
        self._hold(into)
        self.held.release(self, story.id)
        self.store[story.id] = {"m": into.id, "l": story.last_seen}

    def forget_held(self, story_id: str) -> None:
        story = self.stories.get(story_id)
        if story is not None:
            self._release(story)
        self.store.pop(story_id, None)

    def forget(self, story: Story) -> None:
        """Drop a story from memory and from the store (the window has passed it)."""
        self.forget_held(story.id)
        self.held.release(self, story.id)

    def expire(self, now: float) -> int:
        """Forget stories (and merge redirects) not seen within the window; returns how many stories."""
        old = [story for story in self.stories.values() if now - story.last_seen > self.settings.window_s]
        for story in old:
            self.forget(story)
        redirects = [
            key for key, record in self.store.items() if "m" in record and now - record["l"] > self.settings.window_s
        ]
        for key in redirects:
            del self.store[key]
        return len(old)
