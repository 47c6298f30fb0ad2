"""Fetcher settings: ``NEWSFLOW_*`` variables for Kafka, the sources and how politely they are fetched."""

from __future__ import annotations

import ipaddress
import threading
from pathlib import Path

from pydantic import Field, field_validator

from services.common.settings import KafkaSettings
from services.fetcher.http import USER_AGENT, AddressPolicy, SafeClient


class FetcherSettings(KafkaSettings):
    # Compacted topic: article id → fingerprint of what was published, so restarts never republish.
    topic_seen: str = "news.fetcher.seen"
    # Compacted topic: source name → its poll state (validators, schedule, counts), for restarts and
    # for `newsflow sources`.
    topic_sources: str = "news.fetcher.sources"
    # The sources file (YAML or TOML); see deploy/sources.yaml.
    sources: Path | None = None
    # Extra files and directories watched for new articles, comma-separated (a shorthand for path sources).
    fetcher_paths: str = ""
    # Fetchers of one deployment share the sources out through this consumer group (see sharing.py).
    fetcher_group: str = "newsflow-fetcher"
    # An entry of the published-article record no source listed for this long is forgotten.
    fetcher_seen_expiry_days: float = Field(default=30.0, gt=0)
    fetcher_poll_interval_s: float = Field(default=10.0, gt=0)
    # Polls run in parallel across hosts, never two at once on one host.
    fetcher_workers: int = Field(default=8, ge=1, le=256)
    fetcher_host_delay_s: float = Field(default=2.0, ge=0)
    fetcher_connect_timeout_s: float = Field(default=10.0, gt=0)
    fetcher_read_timeout_s: float = Field(default=20.0, gt=0)
    # The whole body must arrive within this: a server sending a byte now and then cannot hold a fetch.
    fetcher_total_timeout_s: float = Field(default=60.0, gt=0)
    fetcher_max_bytes: int = Field(default=5_000_000, ge=1024)
    fetcher_user_agent: str = USER_AGENT
    fetcher_obey_robots: bool = True
    # Private networks the fetcher may contact anyway (CIDR, comma-separated). Empty in production:
    # feeds must never make newsflow reach into the network it runs in.
    fetcher_allow_networks: str = ""
    # A feed seen for the first time may list thousands of links: take the newest this many per poll.
    fetcher_max_articles_per_poll: int = Field(default=200, ge=1)
    # A page that fails transiently is tried again at the next polls, this many times in all.
    fetcher_page_attempts: int = Field(default=3, ge=1)
    # /metrics, /health, /ready; 0 picks a free port, "none" turns the endpoint off.
    fetcher_metrics_port: int | None = Field(default=9101, ge=0, le=65535)

    @field_validator("sources", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        """``NEWSFLOW_SOURCES=`` (set, but empty) means no sources file, as if it were not set."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("fetcher_allow_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        for network in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"not a network in CIDR notation: {network!r}") from None
        return value

    @property
    def watched_paths(self) -> list[str]:
        return [path.strip() for path in self.fetcher_paths.split(",") if path.strip()]

    @property
    def allowed_networks(self) -> list[str]:
        return [part.strip() for part in self.fetcher_allow_networks.split(",") if part.strip()]


def safe_client(settings: FetcherSettings, stopping: threading.Event | None = None) -> SafeClient:
    """An HTTP client under the fetcher's address policy, size limit and timeouts (abandoning bodies once
    ``stopping`` is set)."""
    return SafeClient(
        AddressPolicy(settings.allowed_networks),
        max_bytes=settings.fetcher_max_bytes,
        connect_timeout_s=settings.fetcher_connect_timeout_s,
        read_timeout_s=settings.fetcher_read_timeout_s,
        total_timeout_s=settings.fetcher_total_timeout_s,
        user_agent=settings.fetcher_user_agent,
        stopping=stopping,
    )
