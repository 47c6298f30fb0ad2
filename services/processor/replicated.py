"""Learned state every processor worker holds whole, kept in step through compacted Kafka topics.

Articles are partitioned by id, not by source or story, so each worker needs all of the boilerplate and
duplicate state, not a share of it. faust's GlobalTable was meant for that, but a worker that is starting
while articles arrive can skip some of them (faust-streaming's global-table recovery; docs/decisions.md).
This replaces it with something small enough to reason about:

- ``ReplicatedMap`` is a plain mapping: reads are local, writes change the local copy at once and are
  queued for the changelog. The agent sends them through faust's producer before it sends the article's
  output, and faust flushes that producer before it commits the input offset, so state is never behind
  an article whose input was committed.
- ``ChangelogFollower`` restores every map from its changelog before the agents take their first message
  (so a restarted or added worker starts with what the others learned), then follows the changelogs in
  a thread. Changes from other workers wait in a queue until the agent applies them between messages:
  the maps and the duplicate index are only ever touched by the event loop's thread. A worker's own
  writes come back with its id in a header and are skipped, so an older echo never overwrites a newer
  local value.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
import uuid
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

from kafka import KafkaConsumer, TopicPartition

log = logging.getLogger(__name__)

WRITER_HEADER = "newsflow-writer"
Change = tuple[str, Any]  # (key, value); a value of None deletes the key


def encode_key(key: str) -> bytes:
    """Keys as JSON strings, the encoding faust's tables used, so existing changelogs stay readable."""
    return json.dumps(key).encode()


def decode_change(key: bytes | None, value: bytes | None) -> Change:
    text = key.decode("utf-8") if key else ""
    name = json.loads(text) if text.startswith('"') else text
    return str(name), (json.loads(value) if value else None)


class ReplicatedMap(MutableMapping[str, Any]):
    """A dict whose writes are also recorded for a changelog; ``on_change`` hears changes made elsewhere."""

    def __init__(self, changelog: str, on_change: Callable[[str, Any], None] | None = None) -> None:
        self.changelog = changelog
        self.on_change = on_change
        self._data: dict[str, Any] = {}
        self._writes: list[Change] = []

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if value is None:
            raise ValueError("None is the changelog's tombstone; delete the key instead")
        self._data[key] = value
        self._writes.append((key, value))

    def __delitem__(self, key: str) -> None:
        del self._data[key]
        self._writes.append((key, None))

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def take_writes(self) -> list[Change]:
        """The local writes not yet sent to the changelog, in order (and forget them)."""
        writes, self._writes = self._writes, []
        return writes

    def apply(self, key: str, value: Any) -> None:
        """A change read from the changelog (written by another worker, or before this one started)."""
        if value is None:
            self._data.pop(key, None)
        else:
            self._data[key] = value
        if self.on_change is not None:
            self.on_change(key, value)


SendChange = Callable[[str, bytes, bytes | None, list[tuple[str, bytes]]], Awaitable[Any]]


class ChangelogFollower:
    """Restores ``maps`` from their changelogs, then follows them; see the module's docstring."""

    def __init__(
        self, client_options: dict[str, Any], maps: list[ReplicatedMap], *, poll_timeout_ms: int = 200
    ) -> None:
        self.client_options = client_options  # kafka-python connection and security arguments
        self.maps = {replicated.changelog: replicated for replicated in maps}
        self.writer_id = uuid.uuid4().hex
        self.poll_timeout_ms = poll_timeout_ms
        self._changes: queue.SimpleQueue[tuple[str, Change]] = queue.SimpleQueue()
        self._consumer: KafkaConsumer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._ready = asyncio.Event()
        self._starting = asyncio.Lock()

    @property
    def is_ready(self) -> bool:
        return self._ready.is_set()

    # ---------------------------------------------------------------------------------- restoring

    async def ready(self) -> None:
        """Wait until every map holds its changelog as it was at start-up (the first caller restores)."""
        async with self._starting:
            if not self._ready.is_set():
                restored = await asyncio.to_thread(self._restore_and_follow)
                log.info("restored learned state: %s", restored)
                self._ready.set()

    def _restore_and_follow(self) -> dict[str, int]:
        consumer = KafkaConsumer(
            **self.client_options,
            group_id=None,
            enable_auto_commit=False,
            client_id=f"newsflow-changelog-{self.writer_id[:8]}",
        )
        partitions = []
        for topic in self.maps:
            found = consumer.partitions_for_topic(topic)
            if not found:
                consumer.close()
                raise RuntimeError(f"changelog topic {topic} does not exist (ensure_topics creates it)")
            partitions += [TopicPartition(topic, partition) for partition in sorted(found)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        counts = dict.fromkeys(self.maps, 0)
        while any(consumer.position(partition) < end for partition, end in ends.items()):
            for partition, records in consumer.poll(timeout_ms=1000).items():
                replicated = self.maps[partition.topic]
                for record in records:
                    replicated.apply(*decode_change(record.key, record.value))
                    counts[partition.topic] += 1
        self._consumer = consumer
        self._thread = threading.Thread(target=self._follow, name="changelog-follower", daemon=True)
        self._thread.start()
        return counts

    # ---------------------------------------------------------------------------------- following

    def _follow(self) -> None:
        assert self._consumer is not None
        while not self._stopping.is_set():
            try:
                batches = self._consumer.poll(timeout_ms=self.poll_timeout_ms)
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("reading the changelogs failed; retrying")
                self._stopping.wait(1.0)
                continue
            for partition, records in batches.items():
                for record in records:
                    headers = dict(record.headers or [])
                    if headers.get(WRITER_HEADER) == self.writer_id.encode():
                        continue  # our own write, applied when it was made
                    self._changes.put((partition.topic, decode_change(record.key, record.value)))

    def apply_changes(self) -> int:
        """Apply what other workers wrote since the last call; call it from the event loop's thread."""
        applied = 0
        while True:
            try:
                topic, change = self._changes.get_nowait()
            except queue.Empty:
                return applied
            self.maps[topic].apply(*change)
            applied += 1

    async def send_writes(self, send: SendChange) -> int:
        """Send every map's pending local writes to its changelog (``send`` is the app's producer)."""
        sent = 0
        headers = [(WRITER_HEADER, self.writer_id.encode())]
        for topic, replicated in self.maps.items():
            for key, value in replicated.take_writes():
                await send(topic, encode_key(key), json.dumps(value).encode() if value is not None else None, headers)
                sent += 1
        return sent

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._consumer is not None:
            self._consumer.close()
