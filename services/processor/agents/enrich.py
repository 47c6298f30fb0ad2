"""news.clean → news.enriched and the per-topic streams, in batches (the model is fastest fed many texts)."""

from __future__ import annotations

import asyncio
import time
from typing import cast

import faust

from schemas import DeadLetter, EnrichedArticle
from schemas.codec import MessageOrigin
from services.common.observability import ARTICLES, BATCH_SIZE, STAGE_SECONDS
from services.common.settings import KafkaSettings
from services.common.topology import Route
from services.processor.agents import ProcessorParts, origin
from services.processor.enrich import subscription_codes
from services.processor.outputs import Outputs
from services.processor.stages import Outcome, enrich_messages


class EnrichAgent:
    """Enriches batches; each article goes to news.enriched and to the streams of its main topics."""

    def __init__(
        self, route: Route, outputs: Outputs, *, model: str, streams: KafkaSettings, subscription_threshold: float
    ) -> None:
        self.route = route
        self.outputs = outputs
        self.model = model
        self.streams = streams  # names the per-topic streams
        self.subscription_threshold = subscription_threshold

    def streams_of(self, article: EnrichedArticle) -> list[str]:
        """The per-topic streams an article goes to (<prefix><slug>)."""
        codes = subscription_codes(article, self.subscription_threshold)
        return [self.streams.subscription_topic(code) for code in codes]

    async def handle(
        self, values: list[bytes | None], origins: list[MessageOrigin], keys: list[bytes | None]
    ) -> list[Outcome]:
        started = time.perf_counter()
        # In a thread: a batch can take seconds, and the event loop must keep heartbeating to the group.
        outcomes = await asyncio.to_thread(enrich_messages, values, origins, model=self.model)
        for outcome, key in zip(outcomes, keys, strict=True):
            if isinstance(outcome, DeadLetter):
                await self.outputs.dead_letter(outcome, key)
                continue
            assert isinstance(outcome, EnrichedArticle)
            await self.outputs.article(outcome, [*self.route.output_topics, *self.streams_of(outcome)])
            ARTICLES.labels(stage=self.route.stage, outcome="enriched").inc()
        STAGE_SECONDS.labels(stage=self.route.stage).observe(time.perf_counter() - started)
        BATCH_SIZE.labels(stage=self.route.stage).observe(len(values))
        return outcomes


def register(parts: ProcessorParts, route: Route) -> EnrichAgent:
    topic = parts.input_of(route)
    settings = parts.settings
    body = EnrichAgent(
        route,
        parts.outputs,
        model=settings.enrich_model,
        streams=settings,
        subscription_threshold=settings.enrich_subscription_threshold,
    )

    async def enrich(stream: faust.StreamT) -> None:
        # take_events acks a batch only after this body has sent all its outputs.
        batches = cast(faust.Stream, stream).take_events(  # StreamT's stub lacks take_events
            settings.enrich_batch_size, within=settings.enrich_batch_within_s
        )
        async for events in batches:
            await body.handle([e.value for e in events], [origin(e) for e in events], [e.key for e in events])

    parts.app.agent(parts.channel(topic), name=str(route.stage), concurrency=1)(enrich)
    return body
