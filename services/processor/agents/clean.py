"""news.raw → news.clean: memoryless, so any worker may clean any article; the output is keyed by language."""

from __future__ import annotations

import time

import faust

from schemas import CleanArticle, DeadLetter
from schemas.codec import MessageOrigin
from services.common.observability import ARTICLES, STAGE_SECONDS
from services.common.topology import Route
from services.processor.agents import ProcessorParts, origin
from services.processor.grouping import partition_key
from services.processor.outputs import Outputs
from services.processor.stages import Outcome, clean_message


class CleanAgent:
    """Cleans each raw message; the group stage after it judges the article against earlier ones."""

    def __init__(self, route: Route, outputs: Outputs) -> None:
        self.route = route
        self.outputs = outputs

    async def __call__(self, stream: faust.StreamT) -> None:
        async for event in stream.events():
            await self.handle(event.value, origin(event), event.key)

    async def handle(self, value: bytes | None, where: MessageOrigin, key: bytes | None) -> Outcome:
        started = time.perf_counter()
        outcome = clean_message(value, where)
        if isinstance(outcome, DeadLetter):
            await self.outputs.dead_letter(outcome, key)
        else:
            await self.outputs.article(outcome, self.route.output_topics, partition_key(outcome))
        STAGE_SECONDS.labels(stage=self.route.stage).observe(time.perf_counter() - started)
        if isinstance(outcome, CleanArticle):
            ARTICLES.labels(stage=self.route.stage, outcome="cleaned").inc()
        return outcome


def register(parts: ProcessorParts, route: Route) -> CleanAgent:
    topic = parts.input_of(route)
    body = CleanAgent(route, parts.outputs)

    async def clean(stream: faust.StreamT) -> None:
        await body(stream)

    parts.app.agent(parts.channel(topic), name=str(route.stage), concurrency=1)(clean)
    return body
