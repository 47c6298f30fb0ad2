"""Exact and near duplicates, and stories: which earlier article is this one a copy of, which story is it part of.

Near duplicates (syndicated copies, lightly edited updates) share most 5-word shingles; articles of one
story share their key terms. Both are found with MinHash signatures and locality-sensitive hashing
(datasketch). The signatures are the state: one entry per article in a plain mutable mapping — a dict
offline, a ReplicatedMap in the pipeline, so it survives restarts and every worker sees every
article. The LSH indexes are in memory and rebuilt from those entries (:meth:`DuplicateIndex.remember`
hears changes other workers made). Entries older than the window are ignored and expire.
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import MinHash, MinHashLSH

_WORD = re.compile(r"\w+")
# Words that say nothing about which event a story is about.
_STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours ourselves out over own same she should so some such than
    that the their theirs them themselves then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself yourselves
    said says say new one two three year years last first told according people would could may might must time
    week day
    """.split()  # noqa: SIM905 - a word list reads better as text
)
# An article with fewer key terms than this cannot be placed in a story by similarity: one shared word
# between two tiny sets already looks like a strong overlap.
_MIN_STORY_TERMS = 4
# Stored signatures are only comparable with signatures of the same hashing scheme; pin it.
_SCHEME = "affine32"


@dataclass(frozen=True)
class DuplicateSettings:
    window_s: float = 7 * 24 * 3600
    near_threshold: float = 0.8  # estimated Jaccard of 5-word shingles
    # Estimated Jaccard of key terms (headline words, names in the lead). Precision first: merging two
    # stories misleads a reader more than splitting one (see docs/decisions.md for the measured curve).
    story_threshold: float = 0.15
    story_lead_words: int = 80
    num_perm: int = 128
    shingle_words: int = 5


@dataclass(frozen=True)
class Assignment:
    duplicate_of: str | None
    story_id: str


def shingles(text: str, size: int) -> set[str]:
    words = _WORD.findall(text.casefold())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def key_terms(title: str | None, body: str, lead_words: int) -> set[str]:
    """What identifies an event: the headline's content words and the names (capitalised words) of the lead."""
    headline = {w for w in _WORD.findall((title or "").casefold()) if len(w) > 2 and w not in _STOPWORDS}
    lead = " ".join(body.split()[:lead_words])
    names = {w.casefold() for w in re.findall(r"(?<![.!?]\s)\b[A-Z][\w'-]+", lead)}
    return headline | {n for n in names if n not in _STOPWORDS and len(n) > 2}


def _similarity(minhash: MinHash, stored: list[int]) -> float:
    """Estimated Jaccard similarity of a signature and a stored one."""
    return float(np.mean(minhash.hashvalues == np.asarray(stored, dtype=np.uint64)))


class DuplicateIndex:
    """``signatures`` maps article id → its signatures, time and assignment."""

    def __init__(self, signatures: MutableMapping[str, Any], settings: DuplicateSettings | None = None) -> None:
        self.signatures = signatures
        self.settings = settings or DuplicateSettings()
        self._near = MinHashLSH(threshold=self.settings.near_threshold, num_perm=self.settings.num_perm)
        self._story = MinHashLSH(threshold=self.settings.story_threshold, num_perm=self.settings.num_perm)
        self._indexed: set[str] = set()
        # Every signature uses the same permutations (seed 1); drawing them is most of making a MinHash.
        self._permutations = MinHash(num_perm=self.settings.num_perm, seed=1, scheme=_SCHEME).permutations
        for article_id, entry in list(signatures.items()):
            self.remember(article_id, entry)

    def _minhash(self, tokens: set[str]) -> MinHash:
        minhash = MinHash(num_perm=self.settings.num_perm, seed=1, scheme=_SCHEME, permutations=self._permutations)
        minhash.update_batch([token.encode("utf-8") for token in tokens])
        return minhash

    def _restore(self, values: list[int]) -> MinHash:
        return MinHash(
            seed=1,
            scheme=_SCHEME,
            hashvalues=np.asarray(values, dtype=np.uint64),
            permutations=self._permutations,
        )

    def remember(self, article_id: str, entry: dict[str, Any] | None) -> None:
        """Index an entry written here or by another worker (None: it was deleted)."""
        if entry is None:
            self._forget(article_id)
            return
        if article_id not in self._indexed:
            self._index(article_id, self._restore(entry["m"]), self._restore(entry["s"]))

    def _index(self, article_id: str, near: MinHash, story: MinHash) -> None:
        self._near.insert(article_id, near)
        self._story.insert(article_id, story)
        self._indexed.add(article_id)

    def _forget(self, article_id: str) -> None:
        if article_id in self._indexed:
            self._near.remove(article_id)
            self._story.remove(article_id)
            self._indexed.discard(article_id)

    def _candidates(self, ids: list[str], article_id: str, timestamp: float) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for other in ids:
            entry = self.signatures.get(other) if other != article_id else None
            if entry and abs(entry["t"] - timestamp) <= self.settings.window_s:
                found.append((other, entry))
        return found

    def assign(self, article_id: str, title: str | None, body: str, content_hash: str, timestamp: float) -> Assignment:
        """Find the article's original (if it copies an earlier one) and its story; remember it.

        Assigning the same article again returns what it got the first time.
        """
        known = self.signatures.get(article_id)
        if known:
            return Assignment(known.get("d"), known["story"])
        near = self._minhash(shingles(body, self.settings.shingle_words))
        terms = key_terms(title, body, self.settings.story_lead_words)
        story = self._minhash(terms)

        originals = [
            (entry["t"], other, entry)
            for other, entry in self._candidates(self._near.query(near), article_id, timestamp)
            if entry["h"] == content_hash or _similarity(near, entry["m"]) >= self.settings.near_threshold
        ]
        duplicate_of = None
        story_id = article_id
        if originals:
            _, first_id, first = min(originals, key=lambda item: (item[0], item[1]))
            if (first["t"], first_id) < (timestamp, article_id):
                duplicate_of = first.get("d") or first_id
                story_id = first["story"]
        if duplicate_of is None and len(terms) >= _MIN_STORY_TERMS:
            scored = [
                (_similarity(story, entry["s"]), entry["story"])
                for _, entry in self._candidates(self._story.query(story), article_id, timestamp)
            ]
            scored = [item for item in scored if item[0] >= self.settings.story_threshold]
            if scored:
                story_id = max(scored)[1]
        entry = {
            "t": timestamp, "h": content_hash, "d": duplicate_of, "story": story_id,
            "m": [int(v) for v in near.hashvalues], "s": [int(v) for v in story.hashvalues],
        }  # fmt: skip
        self.signatures[article_id] = entry
        self._index(article_id, near, story)
        return Assignment(duplicate_of, story_id)

    def expire(self, now: float) -> int:
        """Forget articles older than the window; returns how many were forgotten."""
        old = [key for key, entry in list(self.signatures.items()) if now - entry["t"] > self.settings.window_s]
        for key in old:
            del self.signatures[key]
            self._forget(key)
        return len(old)
