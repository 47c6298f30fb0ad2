"""Exact and near duplicates: which earlier article is this one a copy of?

Near duplicates (syndicated copies, lightly edited updates) share most 5-word shingles. They are found
with MinHash signatures and locality-sensitive hashing (datasketch). The entries are the state: one per
article in a mutable mapping (a dict offline, a partition of a faust table in the pipeline), holding its
time, content hash, signature (packed: 4 bytes a permutation), what it copies and its story. The LSH band
index (``BandIndex``) is in memory and rebuilt from the entries. At most ``max_articles`` are held (in the
pipeline: per partition, across its languages; see held.py), the oldest forgotten first, so memory is bounded
by a setting whatever the volume; entries older than the window expire too.
"""

from __future__ import annotations

import base64
import re
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from services.processor.held import Held

_WORD = re.compile(r"\w+")
# Stored signatures are only comparable with signatures of the same hashing scheme; pin it. Its hash values
# are below 2**32, so they pack into 4 bytes each.
_SCHEME = "affine32"


@dataclass(frozen=True)
class DuplicateSettings:
    window_s: float = 7 * 24 * 3600
    near_threshold: float = 0.8  # estimated Jaccard of 5-word shingles
    num_perm: int = 128
    shingle_words: int = 5
    max_articles: int = 50_000  # entries held at once; the oldest go first


@dataclass(frozen=True)
class Original:
    """The earlier article a new one copies, and that article's story."""

    article_id: str
    story_id: str


@dataclass(frozen=True)
class Copy:
    """An article of the window with the same or nearly the same text: when, which, whose copy, its story."""

    when: float
    article_id: str
    original: str | None
    story: str


def shingles(text: str, size: int) -> set[str]:
    words = _WORD.findall(text.casefold())
    if len(words) < size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def pack(hashvalues: np.ndarray) -> str:
    return base64.b64encode(np.asarray(hashvalues, dtype="<u4").tobytes()).decode("ascii")


def unpack(packed: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed), dtype="<u4").astype(np.uint64)


class BandIndex:
    """Locality-sensitive hashing over MinHash signatures, compact: ``bands`` dicts from a band's hash (an
    int) to the article id, or a list of ids when several share it. Articles whose signatures agree on
    every row of some band are candidates; their estimated similarity is checked by the caller.

    datasketch's MinHashLSH keeps each band as a bytes key with a set per bucket and a list of keys per
    article, about 5 KB an article at 128 permutations; this holds the same buckets in well under 1 KB.
    The band hashes are Python's (randomised per process): the index is rebuilt from the stored signatures
    at every start, and a hash collision only adds a candidate the similarity check then drops.
    """

    def __init__(self, threshold: float, num_perm: int) -> None:
        self.bands_count, self.rows = _optimal_param(threshold, num_perm, 0.5, 0.5)
        self.bands: list[dict[int, str | list[str]]] = [{} for _ in range(self.bands_count)]

    def _keys(self, hashvalues: np.ndarray) -> list[int]:
        rows = self.rows
        values = np.asarray(hashvalues, dtype="<u8")
        return [hash(values[band * rows : (band + 1) * rows].tobytes()) for band in range(self.bands_count)]

    def insert(self, article_id: str, hashvalues: np.ndarray) -> None:
        for table, key in zip(self.bands, self._keys(hashvalues), strict=True):
            held = table.get(key)
            if held is None:
                table[key] = article_id
            elif isinstance(held, list):
                if article_id not in held:
                    held.append(article_id)
            elif held != article_id:
                table[key] = [held, article_id]

    def remove(self, article_id: str, hashvalues: np.ndarray) -> None:
        for table, key in zip(self.bands, self._keys(hashvalues), strict=True):
            held = table.get(key)
            if held == article_id:
                del table[key]
            elif isinstance(held, list) and article_id in held:
                held.remove(article_id)
                if len(held) == 1:
                    table[key] = held[0]

    def query(self, hashvalues: np.ndarray) -> set[str]:
        found: set[str] = set()
        for table, key in zip(self.bands, self._keys(hashvalues), strict=True):
            held = table.get(key)
            if isinstance(held, list):
                found.update(held)
            elif held is not None:
                found.add(held)
        return found


class DuplicateIndex:
    """``entries`` maps article id → {t: time, h: content hash, m: packed signature, d: original, story,
    q: when it was remembered, on the ``held`` ledger's clock}."""

    def __init__(
        self, entries: MutableMapping[str, Any], settings: DuplicateSettings | None = None, held: Held | None = None
    ) -> None:
        self.entries = entries
        self.settings = settings or DuplicateSettings()
        self._lsh = BandIndex(self.settings.near_threshold, self.settings.num_perm)
        # Oldest first: the order entries are forgotten in, shared with the partition's other languages.
        self.held = held if held is not None else Held(self.settings.max_articles)
        # Every signature uses the same permutations (seed 1); drawing them is most of making a MinHash.
        self._permutations = MinHash(num_perm=self.settings.num_perm, seed=1, scheme=_SCHEME).permutations
        for article_id, entry in list(entries.items()):
            self._lsh.insert(article_id, unpack(entry["m"]))
            self.held.restore(self, article_id, entry.get("q", 0))
        if held is None:
            self.held.settle()

    def signature(self, body: str) -> MinHash:
        minhash = MinHash(num_perm=self.settings.num_perm, seed=1, scheme=_SCHEME, permutations=self._permutations)
        minhash.update_batch([token.encode("utf-8") for token in shingles(body, self.settings.shingle_words)])
        return minhash

    def known(self, article_id: str) -> dict[str, Any] | None:
        """The entry of an article seen before (assigning it again must give what it got the first time)."""
        return self.entries.get(article_id)

    def copies(self, article_id: str, signature: MinHash, content_hash: str, timestamp: float) -> list[Copy]:
        """The articles of the window this one is a copy of, or that copy it: earliest published first."""
        found = []
        for other in sorted(self._lsh.query(signature.hashvalues)):
            entry = self.entries.get(other) if other != article_id else None
            if not entry or abs(entry["t"] - timestamp) > self.settings.window_s:
                continue
            similar = np.mean(signature.hashvalues == unpack(entry["m"])) >= self.settings.near_threshold
            if entry["h"] == content_hash or similar:
                found.append(Copy(entry["t"], other, entry.get("d"), entry["story"]))
        return sorted(found, key=lambda copy: (copy.when, copy.article_id))

    @staticmethod
    def original_among(copies: list[Copy], article_id: str, timestamp: float) -> Original | None:
        """The earliest of ``copies`` (as ``copies`` returns them), if it was published before this article."""
        if not copies or (copies[0].when, copies[0].article_id) >= (timestamp, article_id):
            return None
        return Original(copies[0].original or copies[0].article_id, copies[0].story)

    def repoint(self, copies: list[Copy], original: str) -> None:
        """These copies (and the article they took for their original) copy ``original`` now: it was published
        before them, though it arrived after."""
        for article_id in {copy.article_id for copy in copies} | {copy.original for copy in copies if copy.original}:
            entry = self.entries.get(article_id)
            if entry is not None and article_id != original:
                self.entries[article_id] = {**entry, "d": original}

    def remember(
        self, article_id: str, signature: MinHash, content_hash: str, timestamp: float, original: str | None, story: str
    ) -> None:
        earlier = self.entries.get(article_id)
        if earlier is not None:  # remembered again: one set of buckets
            self._lsh.remove(article_id, unpack(earlier["m"]))
        self._lsh.insert(article_id, signature.hashvalues)
        self.entries[article_id] = {
            "t": timestamp, "h": content_hash, "m": pack(signature.hashvalues), "d": original, "story": story,
            "q": self.held.use(self, article_id),
        }  # fmt: skip

    def forget_held(self, article_id: str) -> None:
        entry = self.entries.pop(article_id, None)
        if entry is not None:
            self._lsh.remove(article_id, unpack(entry["m"]))

    def forget(self, article_id: str) -> None:
        self.forget_held(article_id)
        self.held.release(self, article_id)

    def expire(self, now: float) -> int:
        """Forget articles older than the window; returns how many were forgotten."""
        old = [key for key, entry in list(self.entries.items()) if now - entry["t"] > self.settings.window_s]
        for key in old:
            self.forget(key)
        return len(old)
