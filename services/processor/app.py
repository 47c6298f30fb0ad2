"""The processor's I/O shell: a faust app whose agents move bytes between topics.

Design rules (see docs/decisions.md): topics are read as raw bytes and validated inside the agent so
a bad message becomes a dead letter instead of being dropped by a deserialiser; each agent has
concurrency 1 (scale out with partitions and workers); delivery is at-least-once and every output is
keyed by article id, so a replay overwrites rather than duplicates. faust flushes the producer before
it commits offsets, so an input offset is committed only after its outputs were acknowledged.
"""

from __future__ import annotations

import logging
import time
from typing import Any, cast

import faust

from schemas import SLUGS, CleanArticle, DeadLetter, EnrichedArticle, encode
from schemas.codec import MessageOrigin
from services.processor.boilerplate import BoilerplateLearner
from services.processor.clean import Cleaner
from services.processor.duplicates import DuplicateIndex
from services.processor.enrich import subscription_codes
from services.processor.replicated import ChangelogFollower, ReplicatedMap
from services.processor.settings import ProcessorSettings
from services.processor.stages import clean_message, enrich_messages

log = logging.getLogger(__name__)

# faust (through mode) names log levels its own way.
_FAUST_LEVELS = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error", "CRITICAL": "crit"}


def _origin(event: faust.EventT) -> MessageOrigin:
    """Where a message came from, for its dead letter."""
    message = event.message
    key = event.key.decode("utf-8", "replace") if isinstance(event.key, bytes) else None
    return MessageOrigin(source_topic=message.topic, partition=message.partition, offset=message.offset, key=key)


def create_app(settings: ProcessorSettings) -> faust.App:
    app = faust.App(
        settings.processor_app_id,
        broker=";".join(f"kafka://{server}" for server in settings.bootstrap_servers),
        store="memory://",
        datadir=str(settings.processor_data_dir),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        web_enabled=settings.processor_web_enabled,
        web_port=settings.processor_web_port,
        web_bind="127.0.0.1",
        producer_acks=-1,
        producer_max_request_size=16 * 1024 * 1024,
        consumer_max_fetch_size=16 * 1024 * 1024,
        consumer_auto_offset_reset="earliest",
        processing_guarantee="at_least_once",
    )
    raw = app.topic(settings.topic_raw, key_serializer="raw", value_serializer="raw")
    cleaned = app.topic(settings.topic_clean, key_serializer="raw", value_serializer="raw")
    enriched = app.topic(settings.topic_enriched, key_serializer="raw", value_serializer="raw")
    dlq = app.topic(settings.topic_dlq, key_serializer="raw", value_serializer="raw")
    per_topic = {
        code: app.topic(f"{settings.topic_subscription_prefix}{slug}", key_serializer="raw", value_serializer="raw")
        for code, slug in SLUGS.items()
    }

    async def _emit(
        outcome: CleanArticle | EnrichedArticle | DeadLetter, target: faust.TopicT, key: bytes | None
    ) -> None:
        if isinstance(outcome, DeadLetter):
            await dlq.send(key=key, value=encode(outcome))
        else:
            await target.send(key=outcome.id.encode(), value=encode(outcome))

    # Learned state every worker needs whole, restored before the agents start and kept in step with the
    # other workers through compacted changelogs (services/processor/replicated.py says why not GlobalTable).
    duplicates: DuplicateIndex  # bound below; changes to the signatures made elsewhere feed its LSH
    boilerplate = ReplicatedMap(settings.changelog_topic("boilerplate"))
    signatures = ReplicatedMap(
        settings.changelog_topic("signatures"), on_change=lambda key, value: duplicates.remember(key, value)
    )
    duplicates = DuplicateIndex(signatures, settings.duplicate_settings())
    cleaner = Cleaner(BoilerplateLearner(boilerplate, settings.boilerplate_settings()), duplicates)
    learned = ChangelogFollower(settings.bootstrap_servers, [boilerplate, signatures])

    async def _send_change(topic: str, key: bytes, value: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        # The app's own producer: faust flushes it before committing the input offsets.
        await app.producer.send(topic, key, value, None, None, headers)

    @app.on_before_shutdown.connect
    async def _stop_following(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        learned.stop()

    @app.agent(raw, name="clean", concurrency=1)
    async def clean_agent(stream: faust.StreamT) -> None:
        await learned.ready()
        async for event in stream.events():
            learned.apply_changes()
            outcome = clean_message(event.value, _origin(event), cleaner)
            await learned.send_writes(_send_change)
            await _emit(outcome, cleaned, event.key)

    @app.timer(interval=3600.0)
    async def forget_old_articles() -> None:
        await learned.ready()
        learned.apply_changes()
        forgotten = duplicates.expire(time.time())
        await learned.send_writes(_send_change)
        if forgotten:
            log.info("forgot %d articles older than the duplicate window", forgotten)

    @app.agent(cleaned, name="enrich", concurrency=1)
    async def enrich_agent(stream: faust.StreamT) -> None:
        # Batches feed nlp.pipe; take_events acks a batch only after this body has sent all its outputs.
        batches = cast(faust.Stream, stream).take_events(  # StreamT's stub lacks take_events
            settings.enrich_batch_size, within=settings.enrich_batch_within_s
        )
        async for events in batches:
            outcomes = enrich_messages(
                [event.value for event in events], [_origin(event) for event in events], model=settings.enrich_model
            )
            for event, outcome in zip(events, outcomes, strict=True):
                await _emit(outcome, enriched, event.key)
                if isinstance(outcome, EnrichedArticle):
                    for code in subscription_codes(outcome, settings.enrich_subscription_threshold):
                        await _emit(outcome, per_topic[code], event.key)

    return app


def main() -> None:
    from services.messaging import ensure_topics
    from services.runtime import configure_logging

    settings = ProcessorSettings()
    configure_logging(settings.log_level)
    ensure_topics(settings, settings.changelog_topics())
    app = create_app(settings)
    worker = faust.Worker(app, loglevel=_FAUST_LEVELS[settings.log_level.upper()], quiet=True, redirect_stdouts=False)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
