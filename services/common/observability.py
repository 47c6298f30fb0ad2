"""What every service tells its operator: structured logs, Prometheus metrics, health and readiness.

Metric names are shared by the services (each exports only what it counts), so one Grafana query such as
``sum by (stage, outcome) (rate(newsflow_articles_total[5m]))`` covers the whole pipeline.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from pythonjsonlogger.json import JsonFormatter

from services.common.text import redacted

log = logging.getLogger(__name__)

disable_created_metrics()  # the *_created series only double what a scrape shows

ARTICLES = Counter(
    "newsflow_articles",
    "Articles handled, by stage and outcome (new, duplicate, cleaned, indexed…)",
    ["stage", "outcome"],
)
DEAD_LETTERS = Counter("newsflow_dead_letters", "Messages dead-lettered, by stage and error class", ["stage", "reason"])
STAGE_SECONDS = Histogram(
    "newsflow_stage_seconds",
    "Time a stage spent on one unit of work (a poll, a message, a batch)",
    ["stage"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
BATCH_SIZE = Histogram(
    "newsflow_batch_size", "Messages per batch", ["stage"], buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
)
CONSUMER_LAG = Gauge("newsflow_consumer_lag", "Messages in the stage's input topic not yet committed", ["stage"])
POLLS = Counter("newsflow_fetcher_polls", "Source polls, by outcome (ok, not-modified, error)", ["outcome"])
SOURCES_FAILING = Gauge("newsflow_fetcher_sources_failing", "Sources whose last poll failed")


def count_dead_letter(stage: str, error_class: str) -> None:
    DEAD_LETTERS.labels(stage=stage, reason=error_class).inc()


# ------------------------------------------------------------------------------------------ logs


class _RedactingJsonFormatter(JsonFormatter):
    """JSON lines; any configured secret that slips into a message is replaced before it is written."""

    def __init__(self, secrets: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        return redacted(super().format(record), self.secrets)


class _RedactingTextFormatter(logging.Formatter):
    def __init__(self, secrets: Iterable[str], fmt: str) -> None:
        super().__init__(fmt)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        return redacted(super().format(record), self.secrets)


def configure_logging(level: str, log_format: str = "json", *, secrets: Iterable[str] = ()) -> logging.Handler:
    """Log lines to stderr (stdout stays free for data, as `newsflow process` needs).

    JSON lines carry ``time``, ``level``, ``logger``, ``message`` and whatever the call adds with
    ``extra`` — lines about one article add ``article_id`` and ``stage``.
    """
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(
            _RedactingJsonFormatter(
                secrets,
                fmt="%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                datefmt="%Y-%m-%dT%H:%M:%S%z",
            )
        )
    else:
        handler.setFormatter(_RedactingTextFormatter(secrets, "%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # kafka-python and the Elasticsearch transport narrate every connection at INFO.
    for chatty in ("kafka", "aiokafka", "elastic_transport"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    return handler


def article_context(article_id: str | None, stage: str, **more: Any) -> dict[str, Any]:
    """``extra=`` for a log call about one article."""
    return {"article_id": article_id, "stage": stage, **more}


# ------------------------------------------------------------------------------------------ endpoint


class MetricsServer:
    """``/metrics`` (Prometheus), ``/health`` (the process answers) and ``/ready`` (it can do its work).

    For the fetcher and the indexer; the processor serves the same paths from faust's web server.
    """

    def __init__(self, host: str, port: int, ready: Callable[[], bool]) -> None:
        is_ready = ready

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._answer(200, generate_latest(), CONTENT_TYPE_LATEST)
                elif path == "/health":
                    self._answer(200, b"ok\n")
                elif path == "/ready":
                    ok = is_ready()
                    self._answer(200 if ok else 503, b"ready\n" if ok else b"not ready\n")
                else:
                    self._answer(404, b"not found\n")

            def _answer(self, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8") -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # scrapes are not news
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="metrics", daemon=True)

    def start(self) -> MetricsServer:
        self._thread.start()
        log.info("metrics, health and readiness on http://%s:%d", *self._server.server_address[:2])
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
