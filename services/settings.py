"""Settings every service shares, read from ``NEWSFLOW_*`` environment variables.

Each service composes its own frozen settings class from these parts (``FetcherSettings``,
``ProcessorSettings``, ``IndexerSettings``), so a service sees exactly the variables it uses.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class NewsflowSettings(BaseSettings):
    """Base of every settings class: ``NEWSFLOW_`` prefix, immutable, validated at start-up."""

    model_config = SettingsConfigDict(env_prefix="NEWSFLOW_", frozen=True, extra="ignore")

    log_level: str = Field(default="INFO", pattern=r"^(?i:debug|info|warning|error|critical)$")


class KafkaSettings(NewsflowSettings):
    """Where the broker is and what the pipeline's topics are called."""

    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_raw: str = "news.raw"
    topic_clean: str = "news.clean"
    topic_enriched: str = "news.enriched"
    topic_dlq: str = "news.dlq"
    topic_alerts: str = "news.alerts"
    # Per-topic streams for subscribers: <prefix><slug>, e.g. news.topic.conflict-war-and-peace.
    topic_subscription_prefix: str = "news.topic."
    # Partitions bound how many workers of one stage can share the work.
    topic_partitions: int = Field(default=4, ge=1)
    topic_replication: int = Field(default=1, ge=1)

    @property
    def bootstrap_servers(self) -> list[str]:
        return [server.strip() for server in self.kafka_bootstrap.split(",") if server.strip()]

    @property
    def pipeline_topics(self) -> list[str]:
        return [
            self.topic_raw,
            self.topic_clean,
            self.topic_enriched,
            self.topic_dlq,
            self.topic_alerts,
            *self.subscription_topics,
        ]

    @property
    def subscription_topics(self) -> list[str]:
        from schemas import SLUGS

        return [f"{self.topic_subscription_prefix}{slug}" for slug in SLUGS.values()]


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
    # Saved searches (alerts) and the matches already published, so each fires once per article.
    es_alerts_index: str = "newsflow-alerts"
