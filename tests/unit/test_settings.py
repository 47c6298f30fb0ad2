"""Settings come from NEWSFLOW_* variables, are validated at start-up, and never print secrets."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.indexer.settings import IndexerSettings
from services.operations.cli import main
from services.processor.settings import ProcessorSettings


def test_defaults_work_on_a_developer_machine(monkeypatch):
    for name in ("NEWSFLOW_KAFKA_BOOTSTRAP", "NEWSFLOW_ES_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = IndexerSettings()
    assert settings.bootstrap_servers == ["127.0.0.1:9092"]
    assert settings.es_url == "http://127.0.0.1:9200"
    assert settings.pipeline_topics[:7] == [
        "news.raw", "news.clean", "news.grouped", "news.enriched", "news.dlq", "news.dlq.quarantine", "news.alerts"
    ]  # fmt: skip
    assert len(settings.subscription_topics) == 17 and settings.pipeline_topics[7:] == settings.subscription_topics
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


def test_a_service_with_a_bad_setting_stops_with_one_line_naming_it(monkeypatch, capsys):
    from services.common.settings import load_settings

    monkeypatch.setenv("NEWSFLOW_INDEXER_BATCH_SIZE", "-5")
    with pytest.raises(SystemExit) as stopped:
        load_settings(IndexerSettings)
    assert stopped.value.code == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("newsflow: invalid setting NEWSFLOW_INDEXER_BATCH_SIZE:") and "\n" not in error


def test_settings_can_come_from_a_toml_file_and_the_environment_wins(monkeypatch, tmp_path):
    config = tmp_path / "newsflow.toml"
    config.write_text('kafka_bootstrap = "broker-a:9093"\nes_alias = "wire"\nindexer_batch_size = 200\n')
    monkeypatch.setenv("NEWSFLOW_CONFIG", str(config))
    monkeypatch.setenv("NEWSFLOW_ES_ALIAS", "from-env")
    monkeypatch.delenv("NEWSFLOW_KAFKA_BOOTSTRAP", raising=False)
    settings = IndexerSettings()
    assert settings.bootstrap_servers == ["broker-a:9093"]
    assert settings.indexer_batch_size == 200
    assert settings.es_alias == "from-env"


def test_a_missing_config_file_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("NEWSFLOW_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(SystemExit, match=r"nope\.toml"):
        IndexerSettings()


def test_kafka_security_reaches_every_client(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_USERNAME", "newsflow")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_PASSWORD", "s3cret-pass")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SSL_CAFILE", "/etc/ssl/kafka-ca.pem")
    settings = ProcessorSettings()
    assert settings.kafka_client_options() == {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "newsflow",
        "sasl_plain_password": "s3cret-pass",
        "ssl_cafile": "/etc/ssl/kafka-ca.pem",
    }
    assert "s3cret-pass" not in repr(settings)


def test_sasl_without_credentials_is_refused(monkeypatch):
    monkeypatch.setenv("NEWSFLOW_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    with pytest.raises(ValidationError, match="NEWSFLOW_KAFKA_SASL_USERNAME"):
        ProcessorSettings()


def test_the_processor_hands_sasl_credentials_to_faust(monkeypatch):
    from services.processor.app import broker_credentials

    monkeypatch.setenv("NEWSFLOW_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_USERNAME", "newsflow")
    monkeypatch.setenv("NEWSFLOW_KAFKA_SASL_PASSWORD", "s3cret-pass")
    credentials = broker_credentials(ProcessorSettings())
    assert type(credentials).__name__ == "SASLCredentials"
    assert credentials.username == "newsflow" and credentials.password == "s3cret-pass"
    assert broker_credentials(ProcessorSettings(kafka_security_protocol="PLAINTEXT")) is None


def test_a_sources_variable_set_but_empty_means_no_sources_file(monkeypatch):
    from services.fetcher.settings import FetcherSettings

    monkeypatch.setenv("NEWSFLOW_SOURCES", "  ")
    assert FetcherSettings().sources is None
    monkeypatch.setenv("NEWSFLOW_SOURCES", "deploy/sources.yaml")
    assert str(FetcherSettings().sources) == "deploy/sources.yaml"


def test_group_members_are_declared_dead_within_seconds_and_can_be_static(monkeypatch):
    import socket

    settings = IndexerSettings()
    options = settings.group_member_options()
    assert options["session_timeout_ms"] <= 10_000 and options["heartbeat_interval_ms"] * 3 <= 10_000
    assert options["group_instance_id"] is None  # dynamic unless a worker is given a stable identity
    monkeypatch.setenv("NEWSFLOW_INSTANCE_ID", "indexer-{hostname}")
    assert IndexerSettings().group_instance_id() == f"indexer-{socket.gethostname()}"
    monkeypatch.setenv("NEWSFLOW_KAFKA_HEARTBEAT_INTERVAL_S", "5")
    with pytest.raises(ValidationError, match="a third of the session timeout"):
        IndexerSettings()
