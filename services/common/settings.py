"""Settings every service shares, read from ``NEWSFLOW_*`` environment variables or a TOML file.

Each service composes its own frozen settings class from these parts (``FetcherSettings``,
``ProcessorSettings``, ``IndexerSettings``), so a service sees exactly the variables it uses.
``NEWSFLOW_CONFIG`` names a TOML file of the same settings without the prefix (``kafka_bootstrap = "…"``);
an environment variable wins over the file.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Any, Literal, Self, TypeVar

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

S = TypeVar("S", bound="NewsflowSettings")


class NewsflowSettings(BaseSettings):
    """Base of every settings class: ``NEWSFLOW_`` prefix, immutable, validated at start-up."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", frozen=True, extra="ignore", env_parse_none_str="none")

    log_level: str = Field(default="INFO", pattern=r"^(?i:debug|info|warning|error|critical)$")
    # json: one JSON object per line (for log shippers); text: for a person reading a terminal.
    log_format: Literal["json", "text"] = "json"
    # Where /metrics, /health and /ready listen (each service has its own port setting); 0.0.0.0 in containers.
    metrics_host: str = "127.0.0.1"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: tuple[PydanticBaseSettingsSource, ...] = (init_settings, env_settings)
        config_file = os.environ.get("NEWSFLOW_CONFIG")
        if config_file:
            if not Path(config_file).is_file():
                raise SystemExit(f"newsflow: NEWSFLOW_CONFIG names {config_file}, which is not a file")
            sources += (TomlConfigSettingsSource(settings_cls, toml_file=config_file),)
        return sources


def describe_invalid(error: ValidationError) -> str:
    """One line naming the first bad setting, e.g. ``invalid setting NEWSFLOW_TOPIC_PARTITIONS: …``."""
    problem = error.errors(include_url=False)[0]
    location = "_".join(str(part) for part in problem["loc"])
    name = f"NEWSFLOW_{location.upper()}" if location else "settings"
    return f"invalid setting {name}: {problem['msg']}"


def load_settings(settings_class: type[S]) -> S:
    """The settings a service starts with; a bad value stops it with one line naming the setting."""
    try:
        return settings_class()
    except ValidationError as error:
        print(f"newsflow: {describe_invalid(error)}", file=sys.stderr)
        raise SystemExit(2) from None


class KafkaSettings(NewsflowSettings):
    """Where the broker is and what the pipeline's topics are called."""

    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_raw: str = "news.raw"
    topic_clean: str = "news.clean"
    topic_grouped: str = "news.grouped"
    topic_enriched: str = "news.enriched"
    topic_dlq: str = "news.dlq"
    # A letter whose message failed this many times is not replayed again but moved to the quarantine topic.
    dlq_max_attempts: int = Field(default=3, ge=1)
    topic_quarantine: str = "news.dlq.quarantine"
    # Compacted: which letters were already replayed (or quarantined), so each is handled once.
    topic_dlq_handled: str = "news.dlq.handled"
    topic_alerts: str = "news.alerts"
    # Per-topic streams for subscribers: <prefix><slug>, e.g. news.topic.conflict-war-and-peace.
    topic_subscription_prefix: str = "news.topic."
    # Partitions bound how many workers of one stage can share the work.
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication: int = Field(default=1, ge=1)
    # Security for production clusters: TLS and/or SASL (PLAIN or SCRAM) towards every broker.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "PLAIN"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    # Consumer groups. A member silent this long is dead and its partitions go to its peers; the broker
    # refuses less than 6 s by default. Heartbeats go out well within it.
    kafka_session_timeout_s: float = Field(default=10.0, ge=1, le=300)
    kafka_heartbeat_interval_s: float = Field(default=2.0, gt=0, le=100)
    # Static membership: a worker restarted under the same id takes its partitions back at once, without a
    # rebalance and without waiting for its old session to expire. Unique per worker of a group and stable
    # across its restarts; ``{hostname}`` is replaced (a container's hostname is stable across restarts).
    instance_id: str | None = None

    @model_validator(mode="after")
    def _heartbeats_within_the_session(self) -> Self:
        if self.kafka_heartbeat_interval_s * 3 > self.kafka_session_timeout_s:
            raise ValueError("NEWSFLOW_KAFKA_HEARTBEAT_INTERVAL_S must be at most a third of the session timeout")
        return self

    def group_instance_id(self) -> str | None:
        """This worker's static identity in its consumer groups, or None for dynamic membership."""
        if not self.instance_id:
            return None
        return self.instance_id.replace("{hostname}", socket.gethostname())

    @model_validator(mode="after")
    def _credentials_for_sasl(self) -> Self:
        if self.kafka_security_protocol.startswith("SASL") and not (
            self.kafka_sasl_username and self.kafka_sasl_password
        ):
            raise ValueError("SASL needs NEWSFLOW_KAFKA_SASL_USERNAME and NEWSFLOW_KAFKA_SASL_PASSWORD")
        return self

    def group_member_options(self) -> dict[str, Any]:
        """kafka-python consumer arguments of a group member: liveness timing and static identity."""
        return {
            "session_timeout_ms": int(self.kafka_session_timeout_s * 1000),
            "heartbeat_interval_ms": int(self.kafka_heartbeat_interval_s * 1000),
            "group_instance_id": self.group_instance_id(),
        }

    def kafka_client_options(self) -> dict[str, Any]:
        """Connection and security arguments for every kafka-python client (producer, consumer, admin)."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers,
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_security_protocol.startswith("SASL"):
            assert self.kafka_sasl_password is not None
            options |= {
                "sasl_mechanism": self.kafka_sasl_mechanism,
                "sasl_plain_username": self.kafka_sasl_username,
                "sasl_plain_password": self.kafka_sasl_password.get_secret_value(),
            }
        for name, path in (
            ("ssl_cafile", self.kafka_ssl_cafile),
            ("ssl_certfile", self.kafka_ssl_certfile),
            ("ssl_keyfile", self.kafka_ssl_keyfile),
        ):
            if path is not None:
                options[name] = str(path)
        return options

    @property
    def bootstrap_servers(self) -> list[str]:
        return [server.strip() for server in self.kafka_bootstrap.split(",") if server.strip()]

    @property
    def pipeline_topics(self) -> list[str]:
        """Every topic the services create: what the declared stages write, dead letters, alerts, streams."""
        from services.common.topology import STAGES

        flow = [getattr(self, field) for spec in STAGES for field in spec.outputs]
        return [*flow, self.topic_dlq, self.topic_quarantine, self.topic_alerts, *self.subscription_topics]

    @property
    def subscription_topics(self) -> list[str]:
        from schemas import SLUGS

        return [self.subscription_topic(code) for code in SLUGS]

    def subscription_topic(self, code: str) -> str:
        """The per-topic stream of an IPTC top-level code: <prefix><slug>."""
        from schemas import SLUGS

        return f"{self.topic_subscription_prefix}{SLUGS[code]}"


class ElasticsearchSettings(NewsflowSettings):
    """How to reach Elasticsearch and which alias serves searches."""

    es_url: str = "http://127.0.0.1:9200"
    es_alias: str = "news"
    # Concrete indices are named <prefix>-v<mapping version>-<YYYY.MM> and sit behind the alias.
    es_index_prefix: str = "news"
    es_api_key: SecretStr | None = None
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_ca_certs: str | None = None
    es_request_timeout_s: float = Field(default=30.0, gt=0)
    # The index settings and mapping (versioned JSON); the one shipped in deploy/elasticsearch by default.
    es_index_definition: Path | None = None
    # One document per story, summarised from its articles (index <alias>-v<version> behind this alias).
    es_stories_alias: str = "news-stories"
    # Saved searches (alerts) and the matches already published, so each fires once per article.
    es_alerts_index: str = "newsflow-alerts"
