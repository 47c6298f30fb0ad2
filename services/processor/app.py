"""The processor's I/O shell: a faust app whose agents move bytes between topics.

Design rules (see docs/decisions.md): topics are read as raw bytes and validated inside the agent so
a bad message becomes a dead letter instead of being dropped by a deserialiser; each agent has
concurrency 1 (scale out with partitions and workers); delivery is at-least-once and every output is
keyed by article id, so a replay overwrites rather than duplicates. faust flushes the producer before
it commits offsets, so an input offset is committed only after its outputs were acknowledged.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import ssl
from typing import Any

import faust

from services.common.messaging import MAX_REQUEST_BYTES, KafkaProbe
from services.common.observability import CONSUMER_LAG
from services.common.topology import Route, routes
from services.processor.agents import ProcessorParts
from services.processor.handover import HandOverTransport
from services.processor.outputs import Outputs, Send
from services.processor.settings import ProcessorSettings

log = logging.getLogger(__name__)

# faust (through mode) names log levels its own way.
_FAUST_LEVELS = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error", "CRITICAL": "crit"}


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


class LagGauge:
    """Sets the consumer-lag gauge of each of the processor's stages; holds its Kafka probe between readings."""

    def __init__(self, settings: ProcessorSettings, stages: list[Route]) -> None:
        self.settings = settings
        self.stages = stages
        self._probe: KafkaProbe | None = None

    def _lags(self) -> dict[str, int | None]:
        self._probe = self._probe or KafkaProbe(self.settings)
        lags = {}
        for found in self.stages:
            topic, group = found.consumes
            lags[str(found.stage)] = self._probe.lag(group, topic)
        return lags

    async def measure(self) -> None:
        try:
            for stage, lag in (await asyncio.to_thread(self._lags)).items():
                if lag is not None:
                    CONSUMER_LAG.labels(stage=stage).set(lag)
        except Exception as error:  # a gauge must never stop the worker
            log.warning("could not measure consumer lag: %s", error)

    def close(self) -> None:
        if self._probe is not None:
            self._probe.close()


def faust_sender(app: faust.App) -> Send:
    """Sends through the app's producer, which faust flushes before it commits the input offsets."""
    channels: dict[str, faust.TopicT] = {}

    async def send(topic: str, key: bytes | None, value: bytes) -> None:
        if topic not in channels:
            channels[topic] = app.topic(topic, key_serializer="raw", value_serializer="raw")
        await channels[topic].send(key=key, value=value)

    return send


def create_faust_app(settings: ProcessorSettings) -> faust.App:
    """The faust app with the delivery settings the pipeline relies on, and no agents yet."""
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
        producer_max_request_size=MAX_REQUEST_BYTES,
        consumer_max_fetch_size=MAX_REQUEST_BYTES,
        consumer_auto_offset_reset="earliest",
        processing_guarantee="at_least_once",
        broker_session_timeout=settings.kafka_session_timeout_s,
        broker_heartbeat_interval=settings.kafka_heartbeat_interval_s,
        consumer_group_instance_id=settings.group_instance_id(),
    )
    app.transport = HandOverTransport(app.conf.broker_consumer, app)  # commits before a rebalance moves work
    return app


def register_stages(parts: ProcessorParts) -> dict[str, Any]:
    """Add the agent of each declared processor stage this worker runs (``NEWSFLOW_PROCESSOR_STAGES``)."""
    bodies = {}
    for found in routes(parts.settings, "processor"):
        if str(found.stage) in parts.settings.stages:
            module = importlib.import_module(f"services.processor.agents.{found.stage}")
            bodies[str(found.stage)] = module.register(parts, found)
    return bodies


def create_app(settings: ProcessorSettings) -> faust.App:
    app = create_faust_app(settings)
    parts = ProcessorParts(app, settings, Outputs(faust_sender(app), settings.topic_dlq))
    register_stages(parts)
    lag = LagGauge(settings, routes(settings, "processor"))
    app.timer(interval=10.0)(lag.measure)

    @app.on_before_shutdown.connect
    async def _stop(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        lag.close()

    # Operators and docker-compose ask these; faust's web server also serves /metrics (set up in main).
    @app.page("/health")
    async def health(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        return web.text("ok\n")

    @app.page("/ready")
    async def ready(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        ok = not app.rebalancing
        return web.text("ready\n" if ok else "not ready\n", status=200 if ok else 503)

    return app


def main() -> None:
    from faust.sensors.prometheus import setup_prometheus_sensors

    from services.common.messaging import ensure_topics
    from services.common.runtime import configure_logging
    from services.common.settings import load_settings
    from services.processor.replicated import CHANGELOG_CONFIG
    from services.processor.stages import warm_up

    settings = load_settings(ProcessorSettings)
    handler = configure_logging(settings.log_level, settings)
    ensure_topics(settings, {settings.group_changelog: CHANGELOG_CONFIG})
    if "enrich" in settings.stages:
        # Before joining the group: a worker assigned partitions must handle them at once, not load a model.
        warm_up(settings.enrich_model)
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
