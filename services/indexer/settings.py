"""Indexer settings: ``NEWSFLOW_*`` variables for Kafka, Elasticsearch and batching."""

from __future__ import annotations

from pydantic import Field

from services.settings import ElasticsearchSettings, KafkaSettings


class IndexerSettings(KafkaSettings, ElasticsearchSettings):
    indexer_group: str = "newsflow-indexer"
    # A batch is written to Elasticsearch and committed in Kafka as one unit.
    indexer_batch_size: int = Field(default=500, ge=1, le=10_000)
    indexer_poll_timeout_ms: int = Field(default=1000, ge=10)
    indexer_max_backoff_s: float = Field(default=30.0, gt=0)
