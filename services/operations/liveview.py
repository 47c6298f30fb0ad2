"""What `newsflow run` shows while it runs: a live terminal view (rich), or structured lines without one."""

from __future__ import annotations

import time
from typing import Any

from services.common.topology import STAGES, stage_names
from services.operations.status import PipelineStatus
from services.operations.supervisor import Supervisor


def progress_event(
    status: PipelineStatus, rates: dict[str, dict[str, float]], supervisor: Supervisor
) -> dict[str, Any]:
    """The live view's content as one JSON-able event (logged every interval when there is no terminal)."""
    return {
        "event": "progress",
        "services": {
            child.name: {"state": child.state, "pid": child.pid, "restarts": child.restarts}
            for child in supervisor.children
        },
        "stages": {
            stage: {
                "in_per_s": round(rates.get(stage, {}).get("in", 0.0), 2),
                "out_per_s": round(rates.get(stage, {}).get("out", 0.0), 2),
                "lag": found.lag if (found := status.stage(stage)) else None,
            }
            for stage in stage_names()
        },
        "documents": status.documents,
        "dead_letters": status.dead_letters,
        "sources_failing": sum(source.status == "error" for source in status.sources),
        "problems": status.problems,
    }


def render_live(
    status: PipelineStatus | None,
    rates: dict[str, dict[str, float]],
    supervisor: Supervisor,
    *,
    footer: str,
) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    services = Table(title="services", expand=True)
    for column in ("service", "state", "pid", "up", "restarts", "last exit"):
        services.add_column(column)
    now = time.monotonic()
    for child in supervisor.children:
        running = child.pid is not None
        services.add_row(
            child.name,
            Text(child.state, style="green" if running else "bold red"),
            str(child.pid or "-"),
            _duration(now - child.started_at) if running else "-",
            str(child.restarts),
            "-" if child.last_exit is None else str(child.last_exit),
        )
    parts: list[Any] = [services]
    if status is None:
        parts.append(Text("waiting for the first snapshot of Kafka and Elasticsearch…"))
        return Group(*parts, Text(footer, style="dim"))

    stages = Table(title="stages", expand=True)
    for column in ("stage", "in /s", "out /s", "lag"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    for spec in STAGES:
        stage = str(spec.stage)
        found = status.stage(stage)
        rate = rates.get(stage, {})
        stages.add_row(
            stage,
            "-" if spec.input is None else f"{rate.get('in', 0.0):.1f}",
            f"{rate.get('out', 0.0):.1f}",
            "-" if found is None or found.lag is None else str(found.lag),
        )
    parts.append(stages)
    summary = Text()
    summary.append(f"Kafka {status.kafka}   Elasticsearch {status.elasticsearch}   ")
    summary.append(f"{status.documents if status.documents is not None else 0} documents searchable   ")
    summary.append(f"{status.dead_letters} dead letters", style="bold red" if status.dead_letters else "green")
    parts.append(summary)
    for letter in status.last_errors[:3]:
        parts.append(
            Text(f"  {letter.failed_at} {letter.stage} {letter.error_class}: {letter.reason[:100]}", style="red")
        )

    if status.sources:
        sources = Table(title="sources (worst first)", expand=True)
        for column in ("source", "status", "last poll", "published", "last error"):
            sources.add_column(column, overflow="ellipsis", no_wrap=True, ratio=3 if column == "last error" else None)
        ordered = sorted(status.sources, key=lambda source: (source.status != "error", source.name))
        for source in ordered[:8]:
            sources.add_row(
                source.name,
                Text(source.status, style="bold red" if source.status == "error" else "green"),
                _duration(time.time() - source.last_poll) + " ago" if source.last_poll else "-",
                str(source.published),
                (source.last_error or "")[:90],
            )
        if len(ordered) > 8:
            sources.caption = f"{len(ordered) - 8} more: `newsflow sources`"
        parts.append(sources)
    problems = [problem for problem in status.problems if not problem.startswith("source ")]  # in the table
    parts += [Text(f"• {problem}", style="yellow") for problem in problems[:6]]
    parts.append(Text(footer, style="dim"))
    return Group(*parts)


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"
