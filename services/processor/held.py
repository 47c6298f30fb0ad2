"""What a partition's group state holds, least recently used first, under one bound for all its languages.

A partition of news.clean can carry several languages (they are hashed to partitions), and each language
has its own boilerplate, duplicate and story indices. Bounding each index on its own would let a worker's
memory grow with the number of languages its partitions happen to carry; a ``Held`` ledger is shared by the
indices of one kind in a partition instead, so the partition holds at most ``limit`` entries of that kind
whatever its languages, and the entry used least recently goes first, whichever language it belongs to.

Every use is stamped with the ledger's clock, and the indices store the stamp with the entry (``q``), so a
worker that restores the partition from its changelog puts the entries back in the same order and goes on
forgetting exactly what a worker that never stopped would.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol


class Holder(Protocol):
    def forget_held(self, key: str) -> None:
        """Drop ``key``'s entry: the ledger's bound has passed it."""


class Held:
    """(holder, key) → the clock of its last use, least recent first."""

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError("a ledger must hold at least one entry")
        self.limit = limit
        self.clock = 0
        # Use order. An OrderedDict, not a dict: a dict emptied from its front scans every deleted slot to
        # find its first key again, which made each eviction cost as much as the ledger was long.
        self._order: OrderedDict[tuple[Holder, str], int] = OrderedDict()

    def restore(self, holder: Holder, key: str, stamp: int) -> None:
        """An entry read back from the store, with the stamp it was stored with; ``settle`` orders them."""
        self._order[(holder, key)] = stamp
        self.clock = max(self.clock, stamp)

    def settle(self) -> None:
        """Order restored entries by their stamps (ties: as restored) and forget any past the bound."""
        self._order = OrderedDict(sorted(self._order.items(), key=lambda item: item[1]))
        self._forget_past_limit()

    def use(self, holder: Holder, key: str) -> int:
        """``key`` was used now: it becomes the most recent; the least recent go past the bound. Its stamp."""
        self.clock += 1
        self._order[(holder, key)] = self.clock
        self._order.move_to_end((holder, key))
        self._forget_past_limit()
        return self.clock

    def release(self, holder: Holder, key: str) -> None:
        """``key`` is gone (expired, merged away): no longer counted."""
        self._order.pop((holder, key), None)

    def keys_of(self, holder: Holder) -> list[str]:
        """The keys one holder has in the ledger, least recent first."""
        return [key for owner, key in self._order if owner is holder]

    def _forget_past_limit(self) -> None:
        while len(self._order) > self.limit:
            (holder, key), _ = self._order.popitem(last=False)
            holder.forget_held(key)
