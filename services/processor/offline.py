"""``newsflow process``: the clean, group and enrich stages over files, without Kafka, in batches, on every core.

The same stage functions the agents run (stages.py). Cleaning (memoryless and costly) and enrichment run
in worker processes, forked once the model is loaded so that they share it; grouping (learned boilerplate,
duplicates, stories: the part with memory) runs here, in input order, so the output is the same whatever
the number of workers, and it comes out in input order.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from typing import TypeVar

from schemas import DeadLetter, RawArticle, encode
from schemas.codec import MessageOrigin
from services.processor.grouping import PartitionedGroupers
from services.processor.settings import ProcessorSettings
from services.processor.stages import Outcome, clean_message, enrich_messages, group_article, warm_up

T = TypeVar("T")

# A short story naming people, places and a topic: enough to build every table enrichment derives.
# Articles per enrichment batch: the model gains little past a few texts at once (measured on 288 BBC
# articles: 8 or 32 a batch take the same time in one process), and small batches spread the last ones
# over every worker (two workers: 1.86x one at 8 a batch, 1.65x at 32).
BATCH = 8
# Each worker is handed this many articles to clean at a time (fewer round trips, still fine-grained).
CLEAN_CHUNK = 4
# Enrichment batches in flight per worker: enough to keep every worker busy while this process cleans.
BATCHES_IN_FLIGHT_PER_WORKER = 2


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class OfflineRun:
    """One offline run: boilerplate, duplicates and stories are learned among its own articles, per partition of
    news.clean as in the pipeline."""

    def __init__(self, settings: ProcessorSettings, *, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.settings = settings
        self.workers = workers
        self.warm_up_s = 0.0  # how long loading the model and its tables took (one-time, not per article)
        self.grouper = PartitionedGroupers(settings.topic_partitions, settings.group_settings())

    def process(self, articles: Iterable[RawArticle]) -> Iterator[Outcome]:
        """Each article's outcome (an enriched article or a dead letter), in input order.

        A worker process that dies (killed, out of memory) ends the run with ``BrokenProcessPool``.
        """
        started = time.perf_counter()
        # The model and the tables enrichment derives from it, first: the workers are forked with them.
        warm_up(self.settings.enrich_model)
        self.warm_up_s = time.perf_counter() - started
        urls: deque[str] = deque()  # of the articles in flight, for their dead letters

        def messages() -> Iterator[tuple[bytes, MessageOrigin]]:
            for index, article in enumerate(articles):
                urls.append(article.url)
                yield encode(article), _origin(index)

        outcomes = self._in_process(messages()) if self.workers == 1 else self._in_workers(messages())
        for outcome in outcomes:
            url = urls.popleft()  # one outcome per article, in input order
            yield outcome.model_copy(update={"url": url}) if isinstance(outcome, DeadLetter) else outcome

    def _in_process(self, messages: Iterator[tuple[bytes, MessageOrigin]]) -> Iterator[Outcome]:
        for batch in batched(messages, BATCH):
            cleaned = [(self._group(clean_message(value, origin), value, origin), origin) for value, origin in batch]
            yield from _enrich(cleaned, self.settings.enrich_model)

    def _group(self, cleaned: Outcome, value: bytes, origin: MessageOrigin) -> Outcome:
        grouped = group_article(cleaned, self.grouper, value, origin)
        return grouped if isinstance(grouped, DeadLetter) else grouped.article

    def _in_workers(self, messages: Iterator[tuple[bytes, MessageOrigin]]) -> Iterator[Outcome]:
        in_flight: deque[Future[list[Outcome]]] = deque()
        most_in_flight = self.workers * BATCHES_IN_FLIGHT_PER_WORKER
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(self.workers, mp_context=context) as pool:
            for batch in batched(messages, BATCH * self.workers):
                # Clean a window in the workers, learn from it here in order, then hand its batches on.
                alone = pool.map(_clean_message, batch, chunksize=CLEAN_CHUNK)
                cleaned = [
                    (self._group(outcome, value, origin), origin)
                    for (value, origin), outcome in zip(batch, alone, strict=True)
                ]
                for part in batched(cleaned, BATCH):
                    in_flight.append(pool.submit(_enrich, part, self.settings.enrich_model))
                while len(in_flight) > most_in_flight or (in_flight and in_flight[0].done()):
                    yield from in_flight.popleft().result()
            while in_flight:
                yield from in_flight.popleft().result()


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last may be shorter); itertools.batched from Python 3.12 on."""
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _origin(index: int) -> MessageOrigin:
    return MessageOrigin(offset=index)


def _clean_message(message: tuple[bytes, MessageOrigin]) -> Outcome:
    return clean_message(*message)


def _enrich(cleaned: list[tuple[Outcome, MessageOrigin]], model: str) -> list[Outcome]:
    """Enrich the articles of a cleaned batch; its dead letters keep their places."""
    articles = [(encode(outcome), origin) for outcome, origin in cleaned if not isinstance(outcome, DeadLetter)]
    enriched = iter(enrich_messages([value for value, _ in articles], [origin for _, origin in articles], model=model))
    return [outcome if isinstance(outcome, DeadLetter) else next(enriched) for outcome, _ in cleaned]
