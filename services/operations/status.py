"""What the pipeline is doing and what is wrong with it: one snapshot from Kafka and Elasticsearch.

`newsflow status` prints a snapshot; `newsflow run`'s live view takes one every few seconds and turns the
differences into rates. Nothing here changes anything.
"""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any

from pydantic import BaseModel, Field

from services.common.text import masked_urls, without_controls
from services.common.topology import Route, routes
from services.fetcher.settings import FetcherSettings
from services.indexer.settings import IndexerSettings
from services.processor.settings import ProcessorSettings


class PipelineSettings(FetcherSettings, ProcessorSettings, IndexerSettings):
    """Every service's settings at once, for the tools that look at the whole pipeline."""


class StageStatus(BaseModel):
    """A consuming stage: its input, its consumer group, whether anyone is in it, what it has not done yet."""

    stage: str
    service: str
    input_topic: str
    group: str
    group_state: str  # Stable, Empty (nobody consuming), PreparingRebalance, … or "unknown"
    consumed: int | None = None  # committed offsets summed over partitions
    lag: int | None = None


class TopicStatus(BaseModel):
    name: str
    partitions: int
    end_offset: int  # summed over partitions: how many messages were ever written
    messages: int  # still held (after retention and compaction)


class SourceHealth(BaseModel):
    name: str
    status: str
    last_poll: float | None = None
    last_error: str | None = None
    published: int = 0


class LetterSummary(BaseModel):
    failed_at: str
    stage: str
    error_class: str
    reason: str
    article_id: str | None = None
    url: str | None = None


class PipelineStatus(BaseModel):
    taken_at: float = Field(default_factory=time.time)
    kafka: str  # "ok" or why not
    elasticsearch: str  # cluster health colour, or why not
    topics: list[TopicStatus] = []
    stages: list[StageStatus] = []
    documents: int | None = None  # in the search alias
    dead_letters: int = 0
    last_errors: list[LetterSummary] = []
    sources: list[SourceHealth] = []
    problems: list[str] = []  # what an operator should look at, in plain words

    def stage(self, name: str) -> StageStatus | None:
        return next((stage for stage in self.stages if stage.stage == name), None)

    def topic(self, name: str) -> TopicStatus | None:
        return next((topic for topic in self.topics if topic.name == name), None)


def consuming_routes(settings: PipelineSettings) -> list[Route]:
    """The declared stages that consume a topic, in flow order."""
    return [found for found in routes(settings) if found.input_topic is not None and found.group is not None]


class StatusCollector:
    """Takes snapshots; holds its Kafka and Elasticsearch connections between them."""

    def __init__(self, settings: PipelineSettings, *, last_errors: int = 5) -> None:
        self.settings = settings
        self.last_errors = last_errors
        self._probe: Any = None
        self._client: Any = None

    def snapshot(self) -> PipelineStatus:
        kafka_state, topics, stages, letters, sources = self._kafka()
        es_state, documents = self._elasticsearch()
        status = PipelineStatus(
            kafka=kafka_state,
            elasticsearch=es_state,
            topics=topics,
            stages=stages,
            documents=documents,
            dead_letters=next((t.messages for t in topics if t.name == self.settings.topic_dlq), 0),
            last_errors=letters,
            sources=sources,
        )
        status.problems = diagnose(status)
        return status

    def _kafka(
        self,
    ) -> tuple[str, list[TopicStatus], list[StageStatus], list[LetterSummary], list[SourceHealth]]:
        from services.common.messaging import KafkaProbe

        settings = self.settings
        try:
            self._probe = self._probe or KafkaProbe(settings)
            probe = self._probe
            flow = [topic for found in routes(settings) for topic in found.output_topics]
            names = [*flow, settings.topic_dlq, settings.topic_alerts, settings.topic_seen, settings.topic_sources]
            partitions = probe.partitions(names)
            ends = probe.end_offsets(names)
            held = probe.messages(names)
            topics = [
                TopicStatus(
                    name=name,
                    partitions=len(partitions[name]),
                    end_offset=sum(ends.get(name, {}).values()),
                    messages=held.get(name, 0),
                )
                for name in names
                if name in partitions
            ]
            groups = probe.groups()
            stages = []
            for found in consuming_routes(settings):
                topic, group = found.consumes
                lag = probe.lag(group, topic)
                end = sum(ends.get(topic, {}).values())
                stages.append(
                    StageStatus(
                        stage=found.stage,
                        service=found.service,
                        input_topic=topic,
                        group=group,
                        group_state=groups.get(group, "unknown"),
                        lag=lag,
                        consumed=None if lag is None else end - lag,
                    )
                )
            letters = [summary for _, summary in _last_letters(settings, self.last_errors)]
            sources = _sources(settings)
            return "ok", topics, stages, letters, sources
        except Exception as error:  # unreachable, refused, timed out: say so, do not crash the view
            self._close_probe()
            reason = f"{type(error).__name__}: {masked_urls(str(error))}"
            return f"unreachable at {settings.kafka_bootstrap}: {reason}", [], [], [], []

    def _elasticsearch(self) -> tuple[str, int | None]:
        from services.indexer.elastic import make_client

        try:
            self._client = self._client or make_client(self.settings)
            health = self._client.options(request_timeout=5).cluster.health()["status"]
            try:
                documents = int(self._client.count(index=self.settings.es_alias)["count"])
            except Exception:
                documents = None  # no alias yet: nothing was indexed
            return str(health), documents
        except Exception as error:
            return f"unreachable at {masked_urls(self.settings.es_url)}: {type(error).__name__}", None

    def _close_probe(self) -> None:
        if self._probe is not None:
            with contextlib.suppress(Exception):
                self._probe.close()
        self._probe = None

    def close(self) -> None:
        self._close_probe()
        if self._client is not None:
            self._client.close()


def _last_letters(settings: PipelineSettings, count: int) -> list[tuple[str, LetterSummary]]:
    from services.operations.deadletters import newest_letters

    return [
        (
            letter.ref,
            LetterSummary(
                failed_at=letter.letter.failed_at.isoformat(timespec="seconds"),
                stage=str(letter.letter.stage),
                error_class=letter.letter.error_class,
                reason=letter.letter.reason[:300],
                article_id=letter.letter.article_id,
                url=letter.letter.url,
            ),
        )
        for letter in newest_letters(settings, count)
    ]


def _sources(settings: PipelineSettings) -> list[SourceHealth]:
    from services.fetcher.service import load_states

    return [
        SourceHealth(
            name=name,
            status=state.status,
            last_poll=state.last_poll,
            last_error=state.last_error if state.consecutive_errors else state.problem,
            published=state.published,
        )
        for name, state in sorted(load_states(settings).items())
    ]


def diagnose(status: PipelineStatus) -> list[str]:
    """Plain-words findings, most fundamental first: a newcomer should know where to look."""
    problems = []
    if status.kafka != "ok":
        problems.append(f"Kafka {status.kafka} — start it with `newsflow stack up` or check NEWSFLOW_KAFKA_BOOTSTRAP")
    if not status.elasticsearch.startswith(("green", "yellow")):
        problems.append(
            f"Elasticsearch {status.elasticsearch} — start it with `newsflow stack up` or check NEWSFLOW_ES_URL"
        )
    for stage in status.stages:
        if stage.lag and stage.group_state in ("Empty", "Dead", "unknown"):
            problems.append(
                f"{stage.lag} messages wait in {stage.input_topic} but no {stage.service} is consuming "
                f"(group {stage.group} is {stage.group_state}) — start it: `newsflow run {stage.service}`"
            )
    if status.dead_letters:
        latest = status.last_errors[0] if status.last_errors else None
        detail = f"; latest: {latest.stage} {latest.error_class}: {latest.reason[:120]}" if latest else ""
        problems.append(f"{status.dead_letters} dead letters (`newsflow dlq list`){detail}")
    failing = [source for source in status.sources if source.status == "error"]
    for source in failing[:5]:
        problems.append(f"source {source.name} failing: {source.last_error}")
    if len(failing) > 5:
        problems.append(f"… and {len(failing) - 5} more failing sources (`newsflow sources`)")
    return problems


def render(status: PipelineStatus) -> Any:
    """The snapshot as rich renderables (a table per concern), for a terminal."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    health = Table(title="stack", show_header=False, box=None)
    health.add_row("Kafka", _coloured(status.kafka, status.kafka == "ok"))
    health.add_row("Elasticsearch", _coloured(status.elasticsearch, status.elasticsearch.startswith("green")))
    health.add_row("documents in the search alias", str(status.documents if status.documents is not None else "-"))
    health.add_row("dead letters", _coloured(str(status.dead_letters), status.dead_letters == 0))

    stages = Table(title="stages (consumer groups)")
    for column in ("stage", "input topic", "group", "state", "consumed", "lag"):
        stages.add_column(column, justify="right" if column in ("consumed", "lag") else "left")
    for stage in status.stages:
        stages.add_row(
            stage.stage,
            stage.input_topic,
            stage.group,
            stage.group_state,
            _number(stage.consumed),
            _number(stage.lag),
        )

    topics = Table(title="topics")
    for column in ("topic", "partitions", "end offset", "messages"):
        topics.add_column(column, justify="left" if column == "topic" else "right")
    for topic in status.topics:
        topics.add_row(topic.name, str(topic.partitions), str(topic.end_offset), str(topic.messages))

    parts: list[Any] = [health, stages, topics]
    if status.last_errors:
        errors = Table(title="last dead letters")
        for column in ("failed at", "stage", "error", "reason"):
            errors.add_column(column, overflow="fold")
        for letter in status.last_errors:
            errors.add_row(letter.failed_at, letter.stage, _shown(letter.error_class), _shown(letter.reason)[:120])
        parts.append(errors)
    if status.problems:
        parts.append(Text("problems:", style="bold red"))
        parts += [Text(f"  • {_shown(problem)}") for problem in status.problems]
    else:
        parts.append(Text("no problems found", style="green"))
    return Group(*parts)


def _coloured(text: str, good: bool) -> Any:
    from rich.text import Text

    return Text(text, style="green" if good else "bold red")


def _shown(text: str) -> str:
    """Reasons and problems quote what sources sent: no escape sequences, no URL passwords on screen."""
    return masked_urls(without_controls(text))


def _number(value: int | None) -> str:
    return "-" if value is None else str(value)


def as_json(status: PipelineStatus) -> str:
    return json.dumps(status.model_dump(mode="json"), indent=2)


def throughput(
    before: PipelineStatus, after: PipelineStatus, settings: PipelineSettings
) -> dict[str, dict[str, float]]:
    """Articles per second into and out of each stage between two snapshots.

    In: the stage's committed offsets; out: what it wrote (the indexer: documents in the alias).
    """
    elapsed = after.taken_at - before.taken_at
    if elapsed <= 0:
        return {}

    def ends(status: PipelineStatus, topic: str) -> int | None:
        found = status.topic(topic)
        return found.end_offset if found else None

    def consumed(status: PipelineStatus, stage: str) -> int | None:
        found = status.stage(stage)
        return found.consumed if found else None

    def rate(first: int | None, second: int | None) -> float:
        return max(0.0, (second - first) / elapsed) if first is not None and second is not None else 0.0

    rates = {}
    for found in routes(settings):
        # A stage that writes no topic (the indexer) is measured by the documents in the alias.
        output = found.output_topics[0] if found.output_topics else None
        rates[str(found.stage)] = {
            "in": rate(consumed(before, found.stage), consumed(after, found.stage)) if found.input_topic else 0.0,
            "out": rate(ends(before, output), ends(after, output))
            if output
            else rate(before.documents, after.documents),
        }
    return rates
