"""`newsflow run`: the services supervised until Ctrl-C or SIGTERM, with progress shown as they work.

On a terminal a live view (liveview.py) redraws every two seconds and the children's logs go to files;
without one, progress is a structured line on stderr every fifteen seconds. ``--samples`` also publishes
the bundled sample articles and says, once they are searchable, how to use what is running.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from services.common.text import masked_urls
from services.operations.liveview import progress_event, render_live
from services.operations.status import PipelineSettings, PipelineStatus, StatusCollector, throughput
from services.operations.supervisor import Supervisor, json_line

# How long each service may take to finish its batch and commit after SIGTERM before it is killed.
STOP_GRACE_S = 60.0
# How long the sample articles may take to become searchable before the welcome says to look at status.
SAMPLES_DEADLINE_S = 300.0


class Run:
    """One supervised run: the children, the snapshots of the pipeline, and what the operator sees."""

    def __init__(
        self, settings: PipelineSettings, workers: dict[str, int], *, live: bool, interval: float, log_dir: Path
    ) -> None:
        self.settings = settings
        self.live = live
        self.interval = interval or (2.0 if live else 15.0)
        self.log_dir = log_dir
        self.events: deque[str] = deque(maxlen=5)  # the supervisor's last events, under the live view
        self.welcome: list[str] = []
        self.signals = 0
        self.supervisor = Supervisor(workers, log_dir=log_dir if live else None, emit=self.emit)
        self.collector = StatusCollector(settings, last_errors=5)
        self.latest: PipelineStatus | None = None
        self.rates: dict[str, dict[str, float]] = {}
        self.next_snapshot = time.monotonic() + (1.0 if live else self.interval)

    @property
    def stopping(self) -> bool:
        return self.signals > 0

    def emit(self, event: dict[str, Any]) -> None:
        if self.live:
            self.events.append(" ".join(f"{key}={value}" for key, value in event.items()))
        else:
            json_line(event)

    def count_signal(self, _signum: int, _frame: object) -> None:
        """The first Ctrl-C or SIGTERM stops the run gracefully; a second one stops it at once."""
        self.signals += 1

    def tick(self) -> None:
        """Restart what exited; take a snapshot when one is due."""
        self.supervisor.check()
        if time.monotonic() < self.next_snapshot:
            return
        previous, self.latest = self.latest, self.collector.snapshot()
        self.rates = throughput(previous, self.latest, self.settings) if previous else {}
        self.next_snapshot = time.monotonic() + self.interval
        if not self.live:
            json_line(progress_event(self.latest, self.rates, self.supervisor))

    def footer(self) -> str:
        lines = [*self.welcome, *self.events]
        lines.append(f"logs: {self.log_dir}/<service>.log   status: newsflow status   stop: Ctrl-C")
        return "\n".join(line for line in lines if line)

    def until_stopped(self) -> None:
        if not self.live:
            while not self.stopping:
                self.tick()
                time.sleep(0.5)
            return
        from rich.console import Console
        from rich.live import Live

        with Live(console=Console(), refresh_per_second=2, transient=False) as view:
            while not self.stopping:
                self.tick()
                view.update(render_live(self.latest, self.rates, self.supervisor, footer=self.footer()))
                time.sleep(0.5)
            stopping = "stopping: each service finishes its batch…"
            view.update(render_live(self.latest, self.rates, self.supervisor, footer=stopping))

    def stop(self) -> None:
        self.collector.close()
        self.supervisor.stop(grace_s=STOP_GRACE_S, hurry=lambda: self.signals > 1)


def supervise(
    settings: PipelineSettings,
    workers: dict[str, int],
    *,
    live: bool,
    interval: float = 0,
    log_dir: Path | None = None,
    samples: Path | None = None,
) -> int:
    """Run ``workers`` (service → count) until Ctrl-C or SIGTERM; returns the exit status."""
    log_dir = log_dir or Path(tempfile.gettempdir()) / "newsflow-logs"
    run = Run(settings, workers, live=live, interval=interval, log_dir=log_dir)
    signal.signal(signal.SIGINT, run.count_signal)
    signal.signal(signal.SIGTERM, run.count_signal)
    run.supervisor.start()
    if samples is not None:
        threading.Thread(
            target=lambda: run.welcome.append(ingest_samples_when_ready(samples, lambda: run.stopping, quiet=live)),
            name="samples",
            daemon=True,
        ).start()
    try:
        run.until_stopped()
    finally:
        run.stop()
    print("all services stopped" + (f"; their logs are in {log_dir}" if live else ""), file=sys.stderr)
    return 0


def ingest_samples_when_ready(folder: Path, stopping: Any, *, quiet: bool = False) -> str:
    """Publish the sample articles, wait until they are searchable; the newcomer's welcome (printed unless
    quiet). ``stopping()`` ends the wait early."""
    from elasticsearch import Elasticsearch

    from services.common.settings import ElasticsearchSettings
    from services.fetcher.ingest import ingest
    from services.fetcher.settings import FetcherSettings
    from services.indexer.elastic import make_client

    def say(text: str) -> str:
        if not quiet:
            print(text, file=sys.stderr, flush=True)
        return text

    result = ingest(FetcherSettings(), [str(folder)])
    say(f"sample articles: {result.counts.published} published, {result.counts.unchanged} already known")
    es_settings = ElasticsearchSettings()
    client: Elasticsearch = make_client(es_settings)
    deadline = time.monotonic() + SAMPLES_DEADLINE_S
    try:
        while time.monotonic() < deadline and not stopping():
            try:
                query = {"ids": {"values": result.article_ids}}
                found = client.count(index=es_settings.es_alias, query=query)["count"]
            except Exception:
                found = 0
            if found == len(result.article_ids):
                return say(
                    f"newsflow is running: {found} sample articles are searchable in Elasticsearch "
                    f"({masked_urls(es_settings.es_url)}, alias '{es_settings.es_alias}').\n"
                    f"  search:  .venv/bin/newsflow search Shamkhani\n"
                    f"  add:     .venv/bin/newsflow ingest PATH_OR_URL ...\n"
                    f"  health:  .venv/bin/newsflow status\n"
                    f"  stop:    Ctrl-C here, then `make stack-down` to stop Kafka and Elasticsearch"
                )
            time.sleep(1)
    finally:
        client.close()
    return say(
        f"the sample articles did not become searchable within {SAMPLES_DEADLINE_S:.0f}s: `newsflow status` says why"
    )
