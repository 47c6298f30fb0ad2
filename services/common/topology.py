"""The pipeline, declared once: which service runs each stage, what it reads and writes, and as which group.

Everything that needs the shape of the pipeline reads it from here: the processor's wiring (which agents
exist and which topics they join), the indexer, the lag probes, ``newsflow status``, the live view and the
supervisor. Topic and group names are settings (``NEWSFLOW_TOPIC_RAW``, …), so a stage names the settings
fields that hold them and ``routes`` reads them from a service's settings.

Adding a stage: declare it in ``STAGES`` (and its service in ``SERVICES`` if it is a new one), then add
its module — for a processor stage, ``services/processor/agents/<stage>.py`` (docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from schemas import Stage


@dataclass(frozen=True)
class ServiceSpec:
    """A process kind: how it is started and where its metrics endpoint listens."""

    name: str
    module: str  # started as ``python -m <module>``
    port_setting: str  # the settings field holding its metrics port (worker n listens on port + n - 1)


@dataclass(frozen=True)
class StageSpec:
    """One step of the flow; topics and the group are named by the settings fields that hold them."""

    stage: Stage
    service: str
    input: str | None  # None: the outside world (sources)
    outputs: tuple[str, ...]  # besides news.dlq, which every stage may write
    group: str | None  # the consumer group that commits its input offsets


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("fetcher", "services.fetcher.service", "fetcher_metrics_port"),
    ServiceSpec("processor", "services.processor.app", "processor_web_port"),
    ServiceSpec("indexer", "services.indexer.service", "indexer_metrics_port"),
)

STAGES: tuple[StageSpec, ...] = (
    StageSpec(Stage.FETCH, "fetcher", None, ("topic_raw",), None),
    # Cleaned articles are keyed by language: a partition's articles meet one grouper, in order.
    StageSpec(Stage.CLEAN, "processor", "topic_raw", ("topic_clean",), "processor_app_id"),
    StageSpec(Stage.GROUP, "processor", "topic_clean", ("topic_grouped",), "processor_app_id"),
    # The enriched article also goes to its per-topic streams (<topic_subscription_prefix><slug>).
    StageSpec(Stage.ENRICH, "processor", "topic_grouped", ("topic_enriched",), "processor_app_id"),
    StageSpec(Stage.INDEX, "indexer", "topic_enriched", (), "indexer_group"),
)


@dataclass(frozen=True)
class Route:
    """A declared stage with its topic and group names read from the settings in force."""

    stage: Stage
    service: str
    input_topic: str | None
    output_topics: tuple[str, ...]
    group: str | None

    @property
    def consumes(self) -> tuple[str, str]:
        """(input topic, consumer group) of a stage that reads a topic; a stage reading sources has neither."""
        if self.input_topic is None or self.group is None:
            raise ValueError(f"the {self.stage} stage reads no topic")
        return self.input_topic, self.group


def service_spec(name: str) -> ServiceSpec:
    found = next((spec for spec in SERVICES if spec.name == name), None)
    if found is None:
        raise ValueError(f"unknown service {name!r}; choose from {', '.join(spec.name for spec in SERVICES)}")
    return found


def stage_names(service_name: str | None = None) -> list[str]:
    """The declared stages in flow order, or those one service runs."""
    return [str(spec.stage) for spec in STAGES if service_name is None or spec.service == service_name]


def routes(settings: BaseModel, service_name: str | None = None) -> list[Route]:
    """Every declared stage (or one service's), its names read from ``settings``.

    ``settings`` must hold the fields those stages name: a service's own settings for its own stages, or
    every service's settings at once for the tools that look at the whole pipeline.
    """

    def read(field: str) -> str:
        value = getattr(settings, field, None)
        if not isinstance(value, str):
            raise TypeError(f"{type(settings).__name__} has no setting {field!r} that the topology names")
        return value

    return [
        Route(
            stage=spec.stage,
            service=spec.service,
            input_topic=read(spec.input) if spec.input else None,
            output_topics=tuple(read(field) for field in spec.outputs),
            group=read(spec.group) if spec.group else None,
        )
        for spec in STAGES
        if service_name is None or spec.service == service_name
    ]


def route(settings: BaseModel, stage: Stage) -> Route:
    """One declared stage with its names read from ``settings``."""
    spec = next(spec for spec in STAGES if spec.stage == stage)
    return next(found for found in routes(settings, spec.service) if found.stage == stage)
