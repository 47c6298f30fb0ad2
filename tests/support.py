"""Helpers shared by the integration tests and the benchmarks."""

from __future__ import annotations

import argparse
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas import EnrichedArticle


def private_pipeline_env(run: str, *, partitions: int = 2, log_level: str = "INFO") -> dict[str, str]:
    """The environment of a pipeline nobody else uses: its own topics, groups, tables and indices."""
    return {
        **os.environ,
        "NEWSFLOW_TOPIC_RAW": f"{run}.raw",
        "NEWSFLOW_TOPIC_CLEAN": f"{run}.clean",
        "NEWSFLOW_TOPIC_GROUPED": f"{run}.grouped",
        "NEWSFLOW_TOPIC_ENRICHED": f"{run}.enriched",
        "NEWSFLOW_TOPIC_DLQ": f"{run}.dlq",
        "NEWSFLOW_TOPIC_QUARANTINE": f"{run}.dlq.quarantine",
        "NEWSFLOW_TOPIC_DLQ_HANDLED": f"{run}.dlq.handled",
        "NEWSFLOW_DLQ_MAX_ATTEMPTS": "3",
        "NEWSFLOW_TOPIC_ALERTS": f"{run}.alerts",
        "NEWSFLOW_ES_ALERTS_INDEX": f"{run}-alerts",
        "NEWSFLOW_TOPIC_SEEN": f"{run}.seen",
        "NEWSFLOW_TOPIC_SOURCES": f"{run}.sources",
        "NEWSFLOW_FETCHER_GROUP": f"{run}-fetcher",
        "NEWSFLOW_TOPIC_SUBSCRIPTION_PREFIX": f"{run}.topic.",
        "NEWSFLOW_TOPIC_PARTITIONS": str(partitions),
        "NEWSFLOW_PROCESSOR_APP_ID": f"{run}-processor",
        "NEWSFLOW_PROCESSOR_DATA_DIR": f"/tmp/newsflow-{run}",
        "NEWSFLOW_INDEXER_GROUP": f"{run}-indexer",
        "NEWSFLOW_INDEXER_POLL_TIMEOUT_MS": "200",
        "NEWSFLOW_ES_ALIAS": f"{run}-news",
        "NEWSFLOW_ES_INDEX_PREFIX": f"{run}-news",
        "NEWSFLOW_ES_STORIES_ALIAS": f"{run}-news-stories",
        "NEWSFLOW_LOG_LEVEL": log_level,
        # Metrics endpoints on free ports, so a test's services never collide with anything running here.
        "NEWSFLOW_FETCHER_METRICS_PORT": "0",
        "NEWSFLOW_INDEXER_METRICS_PORT": "0",
        "NEWSFLOW_PROCESSOR_WEB_PORT": str(free_port()),  # faust's web server cannot pick one itself
    }


def drop_pipeline_state(prefix: str) -> None:
    """Delete the topics, consumer groups, indices and templates of the private pipeline named ``prefix``."""
    from elasticsearch import Elasticsearch
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    try:
        topics = [name for name in admin.list_topics() if prefix in name]
        if topics:
            admin.delete_topics(topics)
        groups = [group["group_id"] for group in admin.list_groups() if prefix in group["group_id"]]
        if groups:
            admin.delete_groups(groups)
    finally:
        admin.close()
    client = Elasticsearch("http://127.0.0.1:9200")
    client.options(ignore_status=404).indices.delete(index=f"{prefix}-*")
    client.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-*")
    client.close()


def alias_serves(client: Any, alias: str) -> bool:
    """Whether ``alias`` exists and its primary shards answer reads.

    An index answers 503 while its shards start, though its alias is already there: a test polling an index
    the indexer is creating waits for this rather than reading it.
    """
    if not client.indices.exists_alias(name=alias):
        return False
    health = client.options(ignore_status=408).cluster.health(index=alias, wait_for_status="yellow", timeout="10s")
    return not health["timed_out"]


def free_port() -> int:
    """A TCP port nothing listens on right now (on 127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def settings_values(env: dict[str, str]) -> dict[str, str]:
    """``NEWSFLOW_*`` variables as settings field values, to build a settings object for that environment."""
    return {name[len("NEWSFLOW_") :].lower(): value for name, value in env.items() if name.startswith("NEWSFLOW_")}


def measurement_parser(doc: str | None) -> argparse.ArgumentParser:
    """The command line every evaluation and benchmark shares: ``--data`` and ``--json``."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--json", type=Path, help="also write the result here")
    return parser


def report(result: dict[str, Any], json_path: Path | None, *, label: str | None = None) -> int:
    """Print a result — one ``label  key value …`` line for benchmarks, indented JSON otherwise — and write
    it as JSON when asked. Returns the exit status."""
    if label:
        print(f"{label}  " + "  ".join(f"{key} {value}" for key, value in result.items()))
    else:
        print(json.dumps(result, indent=2))
    if json_path:
        json_path.write_text(json.dumps(result, indent=2))
    return 0


NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def enriched_article(
    number: int, *, title: str = "Talks resume", enriched_at: datetime = NOW, published_at: datetime = NOW
) -> EnrichedArticle:
    """A small, valid enriched article whose id is its number (to feed the indexer without a processor)."""
    url = f"https://news.example/{number}"
    return EnrichedArticle(
        id=f"{number:032x}",
        url=url,
        canonical_url=url,
        source="example",
        title=title,
        body=f"Article number {number}.",
        fetched_at=published_at,
        published_at=published_at,
        content_hash=f"{number:064x}",
        enriched_at=enriched_at,
    )


def publish_enriched(env: dict[str, str], articles: list[EnrichedArticle]) -> None:
    """Publish articles to the pipeline's enriched topic (created if missing) and wait for the broker."""
    from kafka import KafkaProducer

    from schemas import encode
    from services.common.messaging import ensure_topics
    from services.common.settings import KafkaSettings

    settings = KafkaSettings.model_validate(settings_values(env))
    ensure_topics(settings)
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_servers)
    for article in articles:
        producer.send(settings.topic_enriched, key=article.id.encode(), value=encode(article))
    producer.flush()
    producer.close()
