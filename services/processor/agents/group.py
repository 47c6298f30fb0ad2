"""news.clean → news.grouped: each partition's articles judged in order by that partition's grouper.

A worker holds a grouper for each partition of news.clean it owns, restored from the changelog before the
partition's first article is judged, and dropped when a rebalance takes the partition away.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import faust

from schemas import DeadLetter
from schemas.codec import MessageOrigin
from services.common.observability import ARTICLES, STAGE_SECONDS
from services.common.topology import Route
from services.processor.agents import ProcessorParts, origin
from services.processor.grouping import Groupers, GroupSettings
from services.processor.outputs import Outputs
from services.processor.replicated import PartitionState, SendChange, send_writes
from services.processor.stages import group_message

log = logging.getLogger(__name__)

Restore = Callable[[int], PartitionState]
# Restoring waits out a broker that is down or still starting: the article waits, it is never skipped.
RETRY_FIRST_S = 1.0
RETRY_MOST_S = 30.0


class GroupAgent:
    """Judges each cleaned article; the state it changed goes to the changelog before the article goes out."""

    def __init__(
        self,
        route: Route,
        outputs: Outputs,
        settings: GroupSettings,
        *,
        changelog: str,
        restore: Restore,
        send_change: SendChange,
    ) -> None:
        self.route = route
        self.outputs = outputs
        self.settings = settings
        self.changelog = changelog
        self.restore = restore
        self.send_change = send_change
        self.groupers: dict[int, tuple[PartitionState, Groupers]] = {}

    async def grouper(self, partition: int) -> tuple[PartitionState, Groupers]:
        """The partition's state and grouper, restored from the changelog when this worker has none yet."""
        delay = RETRY_FIRST_S
        while partition not in self.groupers:
            try:
                state = await asyncio.to_thread(self.restore, partition)
            except Exception as error:  # the broker down or restarting; the changelog unreadable for now
                log.warning(
                    "restoring group state of partition %d failed (%s); retrying in %.0f s", partition, error, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MOST_S)
                continue
            self.groupers[partition] = (state, Groupers(state, self.settings))
        return self.groupers[partition]

    def revoke(self, partitions: Iterable[int]) -> None:
        """Partitions another worker now owns: their state here would go stale."""
        for partition in partitions:
            self.groupers.pop(partition, None)

    async def handle(self, value: bytes | None, where: MessageOrigin, key: bytes | None) -> DeadLetter | Any:
        started = time.perf_counter()
        state, grouper = await self.grouper(where.get("partition") or 0)
        outcome = group_message(value, where, grouper)
        await send_writes(state, self.changelog, self.send_change)
        if isinstance(outcome, DeadLetter):
            await self.outputs.dead_letter(outcome, key)
            return outcome
        await self.outputs.article(outcome.article, self.route.output_topics)
        STAGE_SECONDS.labels(stage=self.route.stage).observe(time.perf_counter() - started)
        ARTICLES.labels(
            stage=self.route.stage, outcome="duplicate" if outcome.article.duplicate_of else "grouped"
        ).inc()
        return outcome


def register(parts: ProcessorParts, route: Route) -> GroupAgent:
    from services.processor.replicated import restore_partition

    topic = parts.input_of(route)
    settings = parts.settings
    changelog = settings.group_changelog
    options = settings.kafka_client_options()
    body = GroupAgent(
        route,
        parts.outputs,
        settings.group_settings(),
        changelog=changelog,
        restore=lambda partition: restore_partition(options, changelog, partition),
        send_change=parts.send_change,
    )

    async def group(stream: faust.StreamT) -> None:
        async for event in stream.events():
            await body.handle(event.value, origin(event), event.key)

    parts.app.agent(parts.channel(topic), name=str(route.stage), concurrency=1)(group)

    async def revoked(sender: Any, /, *args: Any, signal: Any = None, **kwargs: Any) -> None:
        partitions = args[0] if args else kwargs.get("revoked", set())
        body.revoke(tp.partition for tp in partitions if tp.topic == topic)

    parts.app.on_partitions_revoked.connect(revoked)

    return body
