"""The processor's I/O shell: a faust app whose agents move bytes between topics.

Design rules (see docs/decisions.md): topics are read as raw bytes and validated inside the agent so
a bad message becomes a dead letter instead of being dropped by a deserialiser; each agent has
concurrency 1 (scale out with partitions and workers); delivery is at-least-once and every output is
keyed by article id, so a replay overwrites rather than duplicates. faust flushes the producer before
it commits offsets, so an input offset is committed only after its outputs were acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from collections.abc import Callable, Coroutine
from typing import Any, cast

import faust

from schemas import SLUGS, CleanArticle, DeadLetter, EnrichedArticle, encode
from schemas.codec import MessageOrigin
from services.common.messaging import KafkaProbe
from services.common.observability import (
    ARTICLES,
    BATCH_SIZE,
    CONSUMER_LAG,
    STAGE_SECONDS,
    article_context,
    count_dead_letter,
)
from services.processor.boilerplate import BoilerplateLearner
from services.processor.clean import Cleaner
from services.processor.duplicates import DuplicateIndex
from services.processor.enrich import subscription_codes
from services.processor.handover import HandOverTransport
from services.processor.replicated import ChangelogFollower, ReplicatedMap
from services.processor.settings import ProcessorSettings
from services.processor.stages import clean_message, enrich_messages

log = logging.getLogger(__name__)

AgentFun = Callable[[faust.StreamT], Coroutine[Any, Any, None]]

# faust (through mode) names log levels its own way.
_FAUST_LEVELS = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error", "CRITICAL": "crit"}


def _origin(event: faust.EventT) -> MessageOrigin:
    """Where a message came from, for its dead letter."""
    message = event.message
    key = event.key.decode("utf-8", "replace") if isinstance(event.key, bytes) else None
    return MessageOrigin(source_topic=message.topic, partition=message.partition, offset=message.offset, key=key)


def broker_credentials(settings: ProcessorSettings) -> faust.types.auth.CredentialsT | None:
    """The Kafka security settings in faust's terms (the other services pass them to kafka-python)."""
    protocol = settings.kafka_security_protocol
    context = None
    if protocol.endswith("SSL"):
        context = ssl.create_default_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
        if settings.kafka_ssl_certfile:
            context.load_cert_chain(str(settings.kafka_ssl_certfile), keyfile=settings.kafka_ssl_keyfile)
    if protocol.startswith("SASL"):
        assert settings.kafka_sasl_password is not None  # the settings refuse SASL without it
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=settings.kafka_sasl_password.get_secret_value(),
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=context,
        )
    return faust.SSLCredentials(context) if context is not None else None


def create_app(settings: ProcessorSettings) -> faust.App:
    app = faust.App(
        settings.processor_app_id,
        broker=";".join(f"kafka://{server}" for server in settings.bootstrap_servers),
        broker_credentials=broker_credentials(settings),
        store="memory://",
        datadir=str(settings.processor_data_dir),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        web_enabled=settings.processor_web_enabled,
        web_port=settings.processor_web_port,
        web_bind=settings.metrics_host,
        producer_acks=-1,
        producer_max_request_size=16 * 1024 * 1024,
        consumer_max_fetch_size=16 * 1024 * 1024,
        consumer_auto_offset_reset="earliest",
        processing_guarantee="at_least_once",
    )
    app.transport = HandOverTransport(app.conf.broker_consumer, app)  # commits before a rebalance moves work
    raw = app.topic(settings.topic_raw, key_serializer="raw", value_serializer="raw")
    cleaned = app.topic(settings.topic_clean, key_serializer="raw", value_serializer="raw")
    enriched = app.topic(settings.topic_enriched, key_serializer="raw", value_serializer="raw")
    dlq = app.topic(settings.topic_dlq, key_serializer="raw", value_serializer="raw")
    per_topic = {
        code: app.topic(f"{settings.topic_subscription_prefix}{slug}", key_serializer="raw", value_serializer="raw")
        for code, slug in SLUGS.items()
    }

    async def _emit(
        outcome: CleanArticle | EnrichedArticle | DeadLetter,
        target: faust.TopicT,
        key: bytes | None,
        encoded: bytes | None = None,  # the outcome's bytes, when it goes to several topics
    ) -> None:
        if isinstance(outcome, DeadLetter):
            await dlq.send(key=key, value=encode(outcome))
            count_dead_letter(outcome.stage, outcome.error_class)
            log.warning(
                "dead-lettered (%s): %s",
                outcome.stage,
                outcome.reason[:500],
                extra=article_context(outcome.article_id, outcome.stage, url=outcome.url, offset=outcome.offset),
            )
        else:
            await target.send(key=outcome.id.encode(), value=encoded or encode(outcome))

    # Learned state every worker needs whole, restored before the agents start and kept in step with the
    # other workers through compacted changelogs (services/processor/replicated.py says why not GlobalTable).
    duplicates: DuplicateIndex  # bound below; changes to the signatures made elsewhere feed its LSH
    boilerplate = ReplicatedMap(settings.changelog_topic("boilerplate"))
    signatures = ReplicatedMap(
        settings.changelog_topic("signatures"), on_change=lambda key, value: duplicates.remember(key, value)
    )
    duplicates = DuplicateIndex(signatures, settings.duplicate_settings())
    cleaner = Cleaner(BoilerplateLearner(boilerplate, settings.boilerplate_settings()), duplicates)
    learned = ChangelogFollower(settings.kafka_client_options(), [boilerplate, signatures])

    async def _send_change(topic: str, key: bytes, value: bytes | None, headers: list[tuple[str, bytes]]) -> None:
        # The app's own producer: faust flushes it before committing the input offsets.
        await app.producer.send(topic, key, value, None, None, headers)

    @app.on_before_shutdown.connect
    async def _stop_following(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        learned.stop()
        if probe is not None:
            probe.close()

    def agent(name: str, channel: faust.TopicT) -> Callable[[AgentFun], AgentFun]:
        """Register the agent if this worker runs that stage (``NEWSFLOW_PROCESSOR_STAGES``)."""
        if name not in settings.stages:
            return lambda function: function
        return cast(Callable[[AgentFun], AgentFun], app.agent(channel, name=name, concurrency=1))

    @agent("clean", raw)
    async def clean_agent(stream: faust.StreamT) -> None:
        await learned.ready()
        async for event in stream.events():
            started = time.perf_counter()
            learned.apply_changes()
            outcome = clean_message(event.value, _origin(event), cleaner)
            await learned.send_writes(_send_change)
            await _emit(outcome, cleaned, event.key)
            STAGE_SECONDS.labels(stage="clean").observe(time.perf_counter() - started)
            if isinstance(outcome, CleanArticle):
                ARTICLES.labels(stage="clean", outcome="duplicate" if outcome.duplicate_of else "cleaned").inc()

    async def forget_old_articles() -> None:
        await learned.ready()
        learned.apply_changes()
        forgotten = duplicates.expire(time.time())
        await learned.send_writes(_send_change)
        if forgotten:
            log.info("forgot %d articles older than the duplicate window", forgotten)

    if "clean" in settings.stages:
        app.timer(interval=3600.0)(forget_old_articles)

    @agent("enrich", cleaned)
    async def enrich_agent(stream: faust.StreamT) -> None:
        # Batches feed nlp.pipe; take_events acks a batch only after this body has sent all its outputs.
        batches = cast(faust.Stream, stream).take_events(  # StreamT's stub lacks take_events
            settings.enrich_batch_size, within=settings.enrich_batch_within_s
        )
        async for events in batches:
            started = time.perf_counter()
            outcomes = enrich_messages(
                [event.value for event in events], [_origin(event) for event in events], model=settings.enrich_model
            )
            for event, outcome in zip(events, outcomes, strict=True):
                if not isinstance(outcome, EnrichedArticle):
                    await _emit(outcome, enriched, event.key)
                    continue
                encoded = encode(outcome)  # once for news.enriched and every per-topic stream
                await _emit(outcome, enriched, event.key, encoded)
                for code in subscription_codes(outcome, settings.enrich_subscription_threshold):
                    await _emit(outcome, per_topic[code], event.key, encoded)
                ARTICLES.labels(stage="enrich", outcome="enriched").inc()
            STAGE_SECONDS.labels(stage="enrich").observe(time.perf_counter() - started)
            BATCH_SIZE.labels(stage="enrich").observe(len(events))

    probe: KafkaProbe | None = None

    @app.timer(interval=10.0)
    async def measure_lag() -> None:
        nonlocal probe

        def _lags() -> dict[str, int | None]:
            nonlocal probe
            probe = probe or KafkaProbe(settings)
            group = settings.processor_app_id  # both agents' consumer group
            return {"clean": probe.lag(group, settings.topic_raw), "enrich": probe.lag(group, settings.topic_clean)}

        try:
            for stage, lag in (await asyncio.to_thread(_lags)).items():
                if lag is not None:
                    CONSUMER_LAG.labels(stage=stage).set(lag)
        except Exception as error:  # a gauge must never stop the worker
            log.warning("could not measure consumer lag: %s", error)

    # Operators and docker-compose ask these; faust's web server also serves /metrics (set up in main).
    @app.page("/health")
    async def health(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        return web.text("ok\n")

    @app.page("/ready")
    async def ready(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        ok = (learned.is_ready or "clean" not in settings.stages) and not app.rebalancing
        return web.text("ready\n" if ok else "not ready\n", status=200 if ok else 503)

    return app


def main() -> None:
    from faust.sensors.prometheus import setup_prometheus_sensors

    from services.common.messaging import ensure_topics
    from services.common.runtime import configure_logging
    from services.common.settings import load_settings

    settings = load_settings(ProcessorSettings)
    handler = configure_logging(settings.log_level, settings)
    ensure_topics(settings, settings.changelog_topics())
    app = create_app(settings)
    if settings.processor_web_enabled:
        setup_prometheus_sensors(app, name_prefix="newsflow_faust")
    app.conf.loghandlers = [handler]
    worker = faust.Worker(
        app,
        loglevel=_FAUST_LEVELS[settings.log_level.upper()],
        quiet=True,
        redirect_stdouts=False,
        # faust would install its own coloured handler; keep ours (JSON lines, secrets redacted).
        logging_config={"version": 1, "disable_existing_loggers": False, "root": {"handlers": []}},
    )
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
