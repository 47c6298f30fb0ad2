"""Settings come from NEWSFLOW_* variables, are validated at start-up, and never print secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.cli import main
from services.indexer.settings import IndexerSettings
from services.processor.settings import ProcessorSettings


def test_defaults_work_on_a_developer_machine(monkeypatch):
    for name in ("NEWSFLOW_KAFKA_BOOTSTRAP", "NEWSFLOW_ES_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = IndexerSettings()
    assert settings.bootstrap_servers == ["127.0.0.1:9092"]
    assert settings.es_url == "http://127.0.0.1:9200"
    assert settings.pipeline_topics[:5] == ["news.raw", "news.clean", "news.enriched", "news.dlq", "news.alerts"]
    assert len(settings.subscription_topics) == 17 and settings.pipeline_topics[5:] == settings.subscription_topics
    assert "news.topic.conflict-war-and-peace" in settings.subscription_topics


def test_environment_overrides_and_lists(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_KAFKA_BOOTSTRAP", "k1:9092, k2:9092")
    monkeypatch.setenv("NEWSFLOW_TOPIC_RAW", "custom.raw")
    settings = ProcessorSettings()
    assert settings.bootstrap_servers == ["k1:9092", "k2:9092"]
    assert settings.topic_raw == "custom.raw"


def test_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_ES_API_KEY", "super-secret-key")
    settings = IndexerSettings()
    assert "super-secret-key" not in repr(settings) and "super-secret-key" not in str(settings)
    assert settings.es_api_key is not None and settings.es_api_key.get_secret_value() == "super-secret-key"


def test_settings_are_frozen():
    settings = IndexerSettings()
    with pytest.raises(ValidationError):
        settings.es_alias = "other"


def test_a_bad_setting_is_one_clear_line(monkeypatch, capsys):
    monkeypatch.setenv("NEWSFLOW_TOPIC_PARTITIONS", "zero")
    assert main(["ingest", "/nonexistent"]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("newsflow: invalid setting NEWSFLOW_TOPIC_PARTITIONS:")
    assert "\n" not in error
