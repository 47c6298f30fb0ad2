"""Fetcher settings: ``NEWSFLOW_*`` variables for Kafka and the sources it watches."""

from __future__ import annotations

from pydantic import Field

from services.settings import KafkaSettings


class FetcherSettings(KafkaSettings):
    # Compacted topic: article id → fingerprint of what was published, so restarts never republish.
    topic_seen: str = "news.fetcher.seen"
    # Files and directories watched for new articles, comma-separated.
    fetcher_paths: str = ""
    fetcher_poll_interval_s: float = Field(default=10.0, gt=0)

    @property
    def watched_paths(self) -> list[str]:
        return [path.strip() for path in self.fetcher_paths.split(",") if path.strip()]
