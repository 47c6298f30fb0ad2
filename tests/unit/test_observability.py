"""Operators read JSON log lines and Prometheus metrics; neither ever carries a secret."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

import pytest

from services.common.observability import DEAD_LETTERS, MetricsServer, article_context, count_dead_letter
from services.common.runtime import configure_logging
from services.indexer.settings import IndexerSettings


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_log_lines_are_json_with_the_article_and_stage(restore_logging, capsys):
    configure_logging("INFO", IndexerSettings(log_format="json"))
    logging.getLogger("newsflow.test").warning("dead-lettered (%s)", "clean", extra=article_context("a1b2", "clean"))
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "dead-lettered (clean)"
    assert line["level"] == "WARNING" and line["logger"] == "newsflow.test"
    assert line["article_id"] == "a1b2" and line["stage"] == "clean"
    assert "time" in line


def test_a_secret_that_reaches_a_log_line_is_redacted(restore_logging, capsys, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_ES_PASSWORD", "hunter2-long-secret")
    configure_logging("INFO", IndexerSettings(log_format="text"))
    logging.getLogger("newsflow.test").error("connecting with http://elastic:hunter2-long-secret@es:9200 failed")
    err = capsys.readouterr().err
    assert "hunter2-long-secret" not in err and "elastic:***@es" in err


@pytest.mark.parametrize("log_format", ["json", "text"])
@pytest.mark.parametrize("secret", ['pa"ss\\word-1', "pässwörd-ñ-2", "quote'd\\back-3"])
def test_a_secret_with_quotes_backslashes_or_non_ascii_is_redacted_in_every_format(
    restore_logging, capsys, monkeypatch, log_format, secret
):
    monkeypatch.setenv("NEWSFLOW_ES_PASSWORD", secret)
    configure_logging("INFO", IndexerSettings(log_format=log_format))
    logger = logging.getLogger("newsflow.test")
    logger.error("login as %s failed", secret)
    logger.error("login failed: %r", {"password": secret})
    err = capsys.readouterr().err
    for written in (secret, json.dumps(secret)[1:-1], repr(secret)[1:-1]):
        assert written not in err
    assert err.count("***") >= 2


def test_a_password_inside_the_elasticsearch_url_is_a_secret_too(restore_logging, capsys, monkeypatch):
    monkeypatch.setenv("NEWSFLOW_ES_URL", "http://elastic:s3cr3t-in-url@es:9200")
    configure_logging("INFO", IndexerSettings(log_format="json"))
    logging.getLogger("newsflow.test").error("the node answered for s3cr3t-in-url")
    assert "s3cr3t-in-url" not in capsys.readouterr().err


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_endpoint_serves_metrics_health_and_readiness():
    ready = {"now": False}
    server = MetricsServer("127.0.0.1", 0, lambda: ready["now"]).start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        count_dead_letter("index", "MappingRejected")
        status, body = _get(f"{base}/metrics")
        assert status == 200
        assert 'newsflow_dead_letters_total{reason="MappingRejected",stage="index"}' in body
        assert _get(f"{base}/health") == (200, "ok\n")
        assert _get(f"{base}/ready")[0] == 503
        ready["now"] = True
        assert _get(f"{base}/ready") == (200, "ready\n")
        assert _get(f"{base}/nothing")[0] == 404
    finally:
        server.stop()


def test_dead_letters_are_counted_by_stage_and_error_class():
    before = DEAD_LETTERS.labels(stage="clean", reason="InvalidMessage")._value.get()
    count_dead_letter("clean", "InvalidMessage")
    assert DEAD_LETTERS.labels(stage="clean", reason="InvalidMessage")._value.get() == before + 1
