"""The fetcher's I/O shell: poll every source when it is due, many hosts at once, one request at a time
per host, and keep each source's poll state in Kafka so a restart resumes where it stopped."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from services.common.messaging import read_compacted
from services.common.observability import ARTICLES, POLLS, SOURCES_FAILING, STAGE_SECONDS
from services.fetcher.politeness import HostGate, RobotsPolicy
from services.fetcher.poller import Poller, SourceFailure
from services.fetcher.publisher import Publisher
from services.fetcher.schedule import PollState, after_failure, after_success, due, initial_state
from services.fetcher.settings import FetcherSettings, safe_client
from services.fetcher.sharing import SourceShare, parse_state
from services.fetcher.sources import Source, SourceKind, load_sources

log = logging.getLogger(__name__)

# How often the scheduler looks for due sources and finished polls.
TICK_S = 0.2
# A source being polled is saved as due after the longest a poll can take plus this.
CLAIM_MARGIN_S = 5.0


def configured_sources(settings: FetcherSettings) -> list[Source]:
    """The sources file's sources plus the watched paths of ``NEWSFLOW_FETCHER_PATHS``."""
    sources = load_sources(settings.sources) if settings.sources else []
    interval = settings.fetcher_poll_interval_s
    for number, path in enumerate(settings.watched_paths, start=1):
        sources.append(
            Source(
                name=f"path-{number}",
                kind=SourceKind.PATH,
                path=Path(path),
                interval=interval,
                min_interval=interval,
                max_interval=interval,
            )
        )
    return sources


def load_states(settings: FetcherSettings) -> dict[str, PollState]:
    """Each source's last saved poll state (unknown fields from other versions are ignored)."""
    stored = read_compacted(settings, settings.topic_sources).items()
    return {name: state for name, value in stored if (state := parse_state(name, value)) is not None}


def _host(source: Source) -> str:
    return f"path:{source.name}" if source.kind is SourceKind.PATH else (urlsplit(source.url or "").hostname or "")


class Fetcher:
    """Schedules polls: a due source of this fetcher's share (sharing.py) is polled on a worker thread
    unless a poll of the same host is already running, so a slow site holds one worker and never the
    others."""

    def __init__(self, settings: FetcherSettings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self.sources = {source.name: source for source in configured_sources(settings) if source.enabled}
        self._ready = threading.Event()  # sources loaded, the producer connected

    def stop(self) -> None:
        self._stop.set()

    def ready(self) -> bool:
        return self._ready.is_set()

    def run(self) -> None:
        if not self.sources:
            log.warning("no sources configured (set NEWSFLOW_SOURCES or NEWSFLOW_FETCHER_PATHS); the fetcher idles")
        publisher = Publisher(self.settings)
        client = safe_client(self.settings, self._stop)
        gate = HostGate(self.settings.fetcher_host_delay_s)
        robots = (
            RobotsPolicy(client, gate, self.settings.fetcher_user_agent) if self.settings.fetcher_obey_robots else None
        )
        poller = Poller(self.settings, publisher, client, gate, robots, self._stop)
        share = SourceShare(self.settings)
        states = {name: initial_state(source) for name, source in self.sources.items()}
        log.info("fetcher shares %d sources in group %s", len(states), self.settings.fetcher_group)
        running: dict[str, Future[PollState]] = {}
        self._ready.set()
        try:
            with ThreadPoolExecutor(self.settings.fetcher_workers, thread_name_prefix="poll") as pool:
                while not self._stop.is_set():
                    self._collect(running, states, publisher, share)
                    for name, saved in share.poll().items():  # the states of sources just taken over
                        if name in states and name not in running:
                            states[name] = saved
                    publisher.follow_and_expire()
                    busy = {_host(self.sources[name]) for name in running}
                    for name in due(states, time.time()):
                        source = self.sources[name]
                        if name in running or _host(source) in busy or not share.owns(name):
                            continue
                        busy.add(_host(source))
                        # Saved first: a fetcher taking this source over meanwhile waits for the poll to end.
                        claim = time.time() + self._longest_poll(source)
                        self._save(publisher, name, replace(states[name], next_poll=claim))
                        running[name] = pool.submit(self._poll, poller, source, states[name])
                    self._stop.wait(TICK_S)
                for future in running.values():  # let polls in flight finish their publishing
                    future.exception()
                self._collect(running, states, publisher, share)
        finally:
            share.close()
            client.close()
            publisher.close()

    def _collect(
        self,
        running: dict[str, Future[PollState]],
        states: dict[str, PollState],
        publisher: Publisher,
        share: SourceShare,
    ) -> None:
        for name in [name for name, future in running.items() if future.done()]:
            states[name] = running.pop(name).result()
            POLLS.labels(outcome=states[name].status).inc()
            SOURCES_FAILING.set(sum(state.consecutive_errors > 0 for state in states.values()))
            if share.owns(name):  # else its new owner keeps the state; this one must not overwrite it
                self._save(publisher, name, states[name])

    def _longest_poll(self, source: Source) -> float:
        """How long one poll may take: a site's pages, each after the host's pause and within the deadline;
        local files have no pages to pause between (and a restarted fetcher must not wait long for them)."""
        settings = self.settings
        pages = (
            0.0
            if source.kind is SourceKind.PATH
            else settings.fetcher_max_articles_per_poll * (settings.fetcher_host_delay_s + 1.0)
        )
        return pages + settings.fetcher_total_timeout_s + CLAIM_MARGIN_S

    def _save(self, publisher: Publisher, name: str, state: PollState) -> None:
        """The source's state, where a restarted fetcher or the next owner of the source reads it."""
        value = json.dumps(dataclasses.asdict(state)).encode("utf-8")
        publisher.producer.send(self.settings.topic_sources, key=name.encode("utf-8"), value=value)

    def _poll(self, poller: Poller, source: Source, state: PollState) -> PollState:
        """One poll turned into the source's next state; never raises."""
        started = time.time()
        try:
            report = poller.poll(source, state)
        except SourceFailure as failure:
            log.warning("source %s failed: %s", source.name, failure.reason)
            failed = after_failure(state, source, time.time(), failure.reason, failure.http_status)
            return replace(failed, last_duration_s=round(time.time() - started, 3))
        except Exception as error:  # a bug or a broker outage must cost one poll, not the fetcher
            log.exception("source %s: unexpected error", source.name)
            reason = f"internal error: {type(error).__name__}: {error}"
            return replace(after_failure(state, source, time.time(), reason), last_duration_s=time.time() - started)
        STAGE_SECONDS.labels(stage="fetch").observe(time.time() - started)
        for outcome, count in (("new", report.new), ("known", report.known), ("failed", report.failed)):
            ARTICLES.labels(stage="fetch", outcome=outcome).inc(count)
        next_state = after_success(
            state,
            source,
            time.time(),
            new=report.new,
            known=report.known,
            failed=report.failed,
            http_status=report.http_status,
            etag=report.validators.etag,
            last_modified=report.validators.last_modified,
            problem=report.problem,
            pending_retries=report.retrying,
            last_duration_s=round(time.time() - started, 3),
        )
        log.info(
            "source %s: %s in %.2f s, %d new, %d known, %d failed, %d to retry; next poll in %.0f s",
            source.name,
            f"HTTP {report.http_status}" if report.http_status else "read",
            next_state.last_duration_s,
            report.new,
            report.known,
            report.failed,
            report.retrying,
            next_state.interval,
        )
        return next_state


def main() -> None:
    from services.common.runtime import run_service

    run_service(Fetcher, FetcherSettings, metrics_port=lambda settings: settings.fetcher_metrics_port)


if __name__ == "__main__":
    main()
