"""Exact and near duplicates, and stories: which earlier article is this one a copy of, which story is it part of.

Near duplicates (syndicated copies, lightly edited updates) share most 5-word shingles; articles of one
story share their key terms. Both are found with MinHash signatures and banded locality-sensitive hashing
whose buckets live in plain mutable mappings — dicts offline, faust tables in the pipeline — so the
state survives restarts and is shared by every worker. Entries older than the window are ignored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from functools import cached_property
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
# A bucket holding more ids than this is a band every text shares; it says nothing and is capped.
_BUCKET_CAP = 64


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


class DuplicateIndex:
    """``signatures`` maps article id → its signatures and assignment; ``buckets`` maps LSH band → ids."""

    def __init__(
        self,
        signatures: MutableMapping[str, Any],
        buckets: MutableMapping[str, Any],
        settings: DuplicateSettings | None = None,
    ) -> None:
        self.signatures = signatures
        self.buckets = buckets
        self.settings = settings or DuplicateSettings()

    @cached_property
    def _near_bands(self) -> tuple[int, int]:
        lsh = MinHashLSH(threshold=self.settings.near_threshold, num_perm=self.settings.num_perm)
        return lsh.b, lsh.r

    @cached_property
    def _story_bands(self) -> tuple[int, int]:
        lsh = MinHashLSH(threshold=self.settings.story_threshold, num_perm=self.settings.num_perm)
        return lsh.b, lsh.r

    def _minhash(self, tokens: set[str]) -> list[int]:
        minhash = MinHash(num_perm=self.settings.num_perm, seed=1)
        minhash.update_batch([token.encode("utf-8") for token in tokens])
        return [int(value) for value in minhash.hashvalues]

    def _band_keys(self, kind: str, signature: list[int], bands: tuple[int, int]) -> list[str]:
        count, rows = bands
        keys = []
        for band in range(count):
            chunk = np.asarray(signature[band * rows : (band + 1) * rows], dtype=np.uint64).tobytes()
            keys.append(f"{kind}{band}:{hashlib.blake2b(chunk, digest_size=8).hexdigest()}")
        return keys

    def _candidates(self, keys: list[str], article_id: str, timestamp: float) -> list[tuple[str, dict[str, Any]]]:
        found: dict[str, dict[str, Any]] = {}
        for key in keys:
            for other in self.buckets.get(key) or []:
                if other == article_id or other in found:
                    continue
                entry = self.signatures.get(other)
                if entry and abs(entry["t"] - timestamp) <= self.settings.window_s:
                    found[other] = entry
        return list(found.items())

    def _add(self, keys: list[str], article_id: str) -> None:
        for key in keys:
            ids = [i for i in (self.buckets.get(key) or []) if i != article_id]
            self.buckets[key] = [*ids, article_id][-_BUCKET_CAP:]

    @staticmethod
    def _similarity(first: list[int], second: list[int]) -> float:
        return float(np.mean(np.asarray(first, dtype=np.uint64) == np.asarray(second, dtype=np.uint64)))

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
        exact_key, near_keys = f"h:{content_hash}", self._band_keys("n", near, self._near_bands)
        story_keys = self._band_keys("s", story, self._story_bands)

        originals = [
            (entry["t"], other, entry)
            for other, entry in self._candidates([exact_key, *near_keys], article_id, timestamp)
            if entry["h"] == content_hash or self._similarity(near, entry["m"]) >= self.settings.near_threshold
        ]
        duplicate_of = None
        if originals:
            _, first_id, first = min(originals, key=lambda item: (item[0], item[1]))
            if (first["t"], first_id) < (timestamp, article_id):
                duplicate_of = first.get("d") or first_id
                story_id = first["story"]
        if duplicate_of is None and len(terms) < _MIN_STORY_TERMS:
            story_id = article_id  # too little to go on: a story of its own
        elif duplicate_of is None:
            scored = [
                (self._similarity(story, entry["s"]), entry["story"])
                for _, entry in self._candidates(story_keys, article_id, timestamp)
            ]
            scored = [item for item in scored if item[0] >= self.settings.story_threshold]
            story_id = max(scored)[1] if scored else article_id
        self.signatures[article_id] = {
            "t": timestamp, "h": content_hash, "m": near, "s": story, "d": duplicate_of, "story": story_id,
        }  # fmt: skip
        self._add([exact_key, *near_keys, *story_keys], article_id)
        return Assignment(duplicate_of, story_id)

    def expire(self, now: float) -> int:
        """Forget articles older than the window; returns how many were forgotten."""
        old = [key for key, entry in list(self.signatures.items()) if now - entry["t"] > self.settings.window_s]
        for key in old:
            del self.signatures[key]
        if old:
            for bucket, ids in list(self.buckets.items()):
                alive = [i for i in ids if i in self.signatures]
                if not alive:
                    del self.buckets[bucket]
                elif len(alive) != len(ids):
                    self.buckets[bucket] = alive
        return len(old)
