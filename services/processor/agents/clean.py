"""news.raw → news.clean: one message at a time, with the learned state kept in step across workers."""

from __future__ import annotations

import time

import faust

from schemas import CleanArticle, DeadLetter
from schemas.codec import MessageOrigin
from services.common.observability import ARTICLES, STAGE_SECONDS
from services.common.topology import Route
from services.processor.agents import ProcessorParts, origin
from services.processor.learned import LearnedState
from services.processor.outputs import Outputs
from services.processor.replicated import SendChange
from services.processor.stages import Outcome, clean_message

# Signatures older than the duplicate window are dropped this often.
FORGET_EVERY_S = 3600.0


class CleanAgent:
    """Cleans each raw message; what it learned goes to the changelogs before the article goes out."""

    def __init__(self, route: Route, outputs: Outputs, learned: LearnedState, send_change: SendChange) -> None:
        self.route = route
        self.outputs = outputs
        self.learned = learned
        self.send_change = send_change

    async def __call__(self, stream: faust.StreamT) -> None:
        await self.learned.ready()
        async for event in stream.events():
            await self.handle(event.value, origin(event), event.key)

    async def handle(self, value: bytes | None, where: MessageOrigin, key: bytes | None) -> Outcome:
        started = time.perf_counter()
        self.learned.catch_up()
        outcome = clean_message(value, where, self.learned.cleaner)
        await self.learned.publish(self.send_change)
        if isinstance(outcome, DeadLetter):
            await self.outputs.dead_letter(outcome, key)
        else:
            await self.outputs.article(outcome, self.route.output_topics)
        STAGE_SECONDS.labels(stage=self.route.stage).observe(time.perf_counter() - started)
        if isinstance(outcome, CleanArticle):
            ARTICLES.labels(stage=self.route.stage, outcome="duplicate" if outcome.duplicate_of else "cleaned").inc()
        return outcome


def register(parts: ProcessorParts, route: Route) -> CleanAgent:
    topic = parts.input_of(route)
    body = CleanAgent(route, parts.outputs, parts.learned, parts.send_change)

    async def clean(stream: faust.StreamT) -> None:
        await body(stream)

    parts.app.agent(parts.channel(topic), name=str(route.stage), concurrency=1)(clean)

    async def forget_old_articles() -> None:
        await parts.learned.forget_old_articles(parts.send_change)

    parts.app.timer(interval=FORGET_EVERY_S)(forget_old_articles)
    return body
