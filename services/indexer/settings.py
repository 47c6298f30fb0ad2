"""Indexer settings: ``NEWSFLOW_*`` variables for Kafka, Elasticsearch and batching."""

from __future__ import annotations

from pydantic import Field

from services.common.settings import ElasticsearchSettings, KafkaSettings


class AlertSettings(KafkaSettings, ElasticsearchSettings):
    """What saved-search alerts need: the alias they search, the index they live in, the topic they fire on."""

    # Webhooks go to public addresses only, as feeds do, unless the operator allows a network here (CIDR,
    # comma-separated; say 10.0.0.0/8 for a relay inside the network). An alert must not make newsflow
    # POST into the network it runs in (a cloud's metadata service, an admin API).
    alerts_webhook_allow_networks: str = ""

    @property
    def webhook_networks(self) -> list[str]:
        return [part.strip() for part in self.alerts_webhook_allow_networks.split(",") if part.strip()]


class IndexerSettings(AlertSettings):
    indexer_group: str = "newsflow-indexer"
    # A batch is written to Elasticsearch and committed in Kafka as one unit.
    indexer_batch_size: int = Field(default=500, ge=1, le=10_000)
    indexer_poll_timeout_ms: int = Field(default=1000, ge=10)
    indexer_max_backoff_s: float = Field(default=30.0, gt=0)
    # Saved searches run over what was indexed since their last run, at most this often.
    indexer_alerts_interval_s: float = Field(default=5.0, gt=0)
    # Story documents are summarised from the articles indexed since the last run, at most this often.
    indexer_stories_interval_s: float = Field(default=2.0, gt=0)
    # /metrics, /health, /ready; 0 picks a free port, "none" turns the endpoint off.
    indexer_metrics_port: int | None = Field(default=9102, ge=0, le=65535)
