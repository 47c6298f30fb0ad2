"""The group stage's state, one share per partition, kept in a compacted changelog topic.

news.clean is keyed by language, so each of its partitions has one owner at a time, and only that owner
reads or writes the partition's state. A worker holds the shares of the partitions it owns, nothing else:

- ``PartitionState`` is a plain mapping: reads are local, writes change it at once and are queued for the
  changelog partition of the same number. Values are held as their JSON bytes (a story's centroid is a
  tenth of the size that way) and decoded when read. The agent sends them through faust's producer before it sends
  the article's output, and faust flushes that producer before it commits the input offset, so the state
  is never behind an article whose input was committed.
- ``restore_partition`` reads one changelog partition from its beginning to its end, before the first
  article of that partition is judged: on start, and whenever a rebalance hands the partition over.

Compaction keeps one record per key, and each share holds a bounded number of keys (grouping.py), so the
time to restore is bounded too.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition

log = logging.getLogger(__name__)

EncodedChange = tuple[str, bytes | None]  # (key, JSON bytes or None)
# What a restore reads is what the changelog holds: one record per key once compacted, plus what the cleaner
# has not reached. A story's record is rewritten each time an article joins it, and every forgotten entry
# leaves a tombstone, so the log is compacted early (a tenth dirty), its open segment is closed at 16 MiB
# or an hour (the cleaner never touches an open one), and tombstones go after an hour instead of a day.
CHANGELOG_CONFIG = {
    "cleanup.policy": "compact",
    "min.cleanable.dirty.ratio": "0.1",
    "segment.ms": "3600000",
    "segment.bytes": str(16 * 1024 * 1024),
    "delete.retention.ms": "3600000",
}


def encode_key(key: str) -> bytes:
    return json.dumps(key).encode()


def decode_key(key: bytes | None) -> str:
    text = key.decode("utf-8") if key else ""
    return str(json.loads(text) if text.startswith('"') else text)


class PartitionState(MutableMapping[str, Any]):
    """A dict whose writes are also recorded for its changelog partition."""

    def __init__(self, partition: int) -> None:
        self.partition = partition
        self._data: dict[str, bytes] = {}
        self._writes: list[EncodedChange] = []
        self.applied = 0  # changelog records read into it (what a restore cost)

    def __getitem__(self, key: str) -> Any:
        return json.loads(self._data[key])

    def __setitem__(self, key: str, value: Any) -> None:
        if value is None:
            raise ValueError("None is the changelog's tombstone; delete the key instead")
        encoded = json.dumps(value, separators=(",", ":")).encode()
        self._data[key] = encoded
        self._writes.append((key, encoded))

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._writes.append((key, None))

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def take_writes(self) -> list[EncodedChange]:
        """The local writes not yet sent to the changelog, in order (and forget them)."""
        writes, self._writes = self._writes, []
        return writes

    def apply(self, key: str, value: bytes | None) -> None:
        """A change read from the changelog (written before this worker took the partition)."""
        self.applied += 1
        if value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = value


# A restore that reads nothing for this long gives up (the caller retries), rather than hang on a lost broker.
STALLED_S = 60.0

# (topic, key, value, partition): the app's producer.
SendChange = Callable[[str, bytes, bytes | None, int], Awaitable[Any]]


def restore_partition(client_options: dict[str, Any], changelog: str, partition: int) -> PartitionState:
    """The share of one partition, as its changelog holds it now (blocking: run it in a thread)."""
    state = PartitionState(partition)
    consumer = KafkaConsumer(**client_options, group_id=None, enable_auto_commit=False)
    try:
        found = consumer.partitions_for_topic(changelog)
        if not found or partition not in found:
            raise RuntimeError(f"changelog topic {changelog} has no partition {partition} (ensure_topics creates it)")
        where = TopicPartition(changelog, partition)
        consumer.assign([where])
        consumer.seek_to_beginning(where)
        end = consumer.end_offsets([where])[where]
        progressed = time.monotonic()
        while consumer.position(where) < end:
            if time.monotonic() - progressed > STALLED_S:
                raise RuntimeError(f"restoring {changelog}[{partition}] read nothing for {STALLED_S:.0f} s")
            for records in consumer.poll(timeout_ms=1000).values():
                progressed = time.monotonic()
                for record in records:
                    state.apply(decode_key(record.key), record.value)
    finally:
        consumer.close()
    state.take_writes()
    return state


async def send_writes(state: PartitionState, changelog: str, send: SendChange) -> int:
    """Send a share's pending writes to its changelog partition, in order."""
    writes = state.take_writes()
    for key, value in writes:
        await send(changelog, encode_key(key), value, state.partition)
    return len(writes)
