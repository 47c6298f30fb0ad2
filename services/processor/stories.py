"""Stories: each event's coverage grouped as it arrives, by single-pass clustering of weighted term vectors.

The method is the single-pass clusterer of topic detection and tracking, as streaming news clustering
still does it (Allan et al. 1998; Miranda et al. 2018): an arriving article is compared with the stories of
the recent window and joins the most similar one, or starts a story of its own.

- An article is a sparse vector over the words of its headline and its lead. A word weighs by its rarity in
  general English (wordfreq's Zipf scale: `the` ≈ 0.3, `shooting` ≈ 3.7, `Harambe` ≈ 6), more in the
  headline than in the lead, and more when it is written as a name.
- A story is the sum of its articles' vectors (its centroid, cut to its heaviest terms so its size is
  bounded), with the time it was first and last seen.
- Candidates are the stories of the window that share a term with the article (an inverted index over
  story terms); the score is the cosine of article and centroid, discounted by the days since the story was
  last seen. The best candidate at or above the threshold is the article's story.

Pure and in memory: the same code serves one offline run and, behind a store, the pipeline.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

from wordfreq import zipf_frequency

_WORD = re.compile(r"[^\W\d_][\w'-]*")
# Reporting words carry no event, however rare their spelling.
_IGNORED = frozenset(
    ["said", "says", "told", "according", "reported", "report", "reports", "news", "update", "updated"]
)
DAY_S = 86400.0


@dataclass(frozen=True)
class StorySettings:
    # Chosen on the dev half of same-story (events with even ids), the middle of a plateau of equal F1;
    # held on the other half (docs/decisions.md, 2026-12-02).
    threshold: float = 0.2  # cosine of article and story, after the time discount
    window_s: float = 7 * DAY_S  # a story not seen for this long takes no new articles
    lead_words: int = 100
    headline_weight: float = 3.0
    name_weight: float = 2.0  # a word written with a capital inside a sentence
    story_terms: int = 60  # terms a story's centroid keeps
    decay_per_day: float = 0.03  # the score loses this share for each day since the story was last seen


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
            folded = word.casefold()
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
    centroid: dict[str, float] = field(default_factory=dict)
    articles: int = 0

    def add(self, vector: dict[str, float], timestamp: float, keep: int) -> None:
        for term, value in vector.items():
            self.centroid[term] = self.centroid.get(term, 0.0) + value
        if len(self.centroid) > keep:
            self.centroid = dict(sorted(self.centroid.items(), key=lambda item: -item[1])[:keep])
        self.first_seen = min(self.first_seen, timestamp)
        self.last_seen = max(self.last_seen, timestamp)
        self.articles += 1


class StoryIndex:
    """The stories of the window and an inverted index from term to the stories holding it."""

    def __init__(self, settings: StorySettings | None = None) -> None:
        self.settings = settings or StorySettings()
        self.stories: dict[str, Story] = {}
        self._by_term: dict[str, set[str]] = defaultdict(set)

    def score(self, vector: dict[str, float], story: Story, timestamp: float) -> float:
        norm = _norm(vector) * _norm(story.centroid)
        if not norm:
            return 0.0
        cosine = sum(value * story.centroid.get(term, 0.0) for term, value in vector.items()) / norm
        days = abs(timestamp - story.last_seen) / DAY_S
        return cosine * max(0.0, 1.0 - self.settings.decay_per_day * days)

    def candidates(self, vector: dict[str, float], timestamp: float) -> list[Story]:
        ids = set().union(*(self._by_term.get(term, set()) for term in vector)) if vector else set()
        found = [self.stories[story_id] for story_id in ids]
        window = self.settings.window_s
        return [s for s in found if s.first_seen - window <= timestamp <= s.last_seen + window]

    def assign(self, article_id: str, title: str | None, body: str, timestamp: float) -> str:
        """The story the article joins (or starts: its own id); the story learns the article."""
        vector = article_vector(title, body, self.settings)
        scored = [(self.score(vector, story, timestamp), story.id) for story in self.candidates(vector, timestamp)]
        best = max(scored, default=(0.0, ""))
        if best[0] >= self.settings.threshold:
            story = self.stories[best[1]]
        else:
            story = self.stories[article_id] = Story(article_id, timestamp, timestamp)
        before = set(story.centroid)
        story.add(vector, timestamp, self.settings.story_terms)
        for term in before - set(story.centroid):
            self._by_term[term].discard(story.id)
        for term in story.centroid:
            self._by_term[term].add(story.id)
        return story.id

    def expire(self, now: float) -> int:
        """Forget stories not seen within the window; returns how many."""
        old = [story for story in self.stories.values() if now - story.last_seen > self.settings.window_s]
        for story in old:
            for term in story.centroid:
                self._by_term[term].discard(story.id)
            del self.stories[story.id]
        return len(old)
