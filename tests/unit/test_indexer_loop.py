"""The indexer's consume loop alone: a batch is written, then committed; a rebalance during the commit is no crash."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from kafka.errors import RebalanceInProgressError

from services.indexer.service import ConsumeLoop
from services.indexer.settings import IndexerSettings
from services.indexer.writer import BatchResult


class _Consumer:
    def __init__(self, fail_commit: bool) -> None:
        self.fail_commit = fail_commit
        self.commits = 0

    def commit(self) -> None:
        self.commits += 1
        if self.fail_commit:
            raise RebalanceInProgressError("the group is rebalancing")

    def assignment(self) -> set[Any]:
        return set()


class _Writer:
    def __init__(self) -> None:
        self.batches: list[list[Any]] = []

    def write_until_done(self, records: list[Any], *_args: Any) -> BatchResult:
        self.batches.append(records)
        return BatchResult(indexed=len(records))


def _loop(consumer: _Consumer, writer: _Writer, flushed: list[int]) -> ConsumeLoop:
    producer = SimpleNamespace(flush=lambda: flushed.append(len(writer.batches)))
    return ConsumeLoop(
        IndexerSettings(), consumer, writer, producer,  # type: ignore[arg-type]
        stopping=threading.Event(), available=threading.Event(),
    )  # fmt: skip


def test_a_batch_is_written_then_its_dead_letters_flushed_then_its_offsets_committed():
    consumer, writer, flushed = _Consumer(fail_commit=False), _Writer(), []
    _loop(consumer, writer, flushed)._index(["r1", "r2"])
    assert writer.batches == [["r1", "r2"]] and flushed == [1] and consumer.commits == 1


def test_a_rebalance_during_the_commit_leaves_the_batch_to_be_read_again_instead_of_stopping_the_indexer():
    consumer, writer, flushed = _Consumer(fail_commit=True), _Writer(), []
    loop = _loop(consumer, writer, flushed)
    loop._index(["r1"])
    loop._index(["r2"])
    assert consumer.commits == 2 and loop.totals.indexed == 2
