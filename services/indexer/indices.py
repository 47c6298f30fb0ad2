"""Creating an index that several indexers may create at once, and that serves once created."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch

# How long to wait for a new index's primary shards on a slow node before going on regardless.
SHARDS_STARTED_TIMEOUT = "60s"


def create_once(client: Elasticsearch, index: str, **body: Any) -> None:
    """Create ``index`` with ``body`` (settings, mappings, aliases) unless it exists; losing a race is fine.

    Returns once the index's primary shards have started. Creation answers after its default 30 s even if they
    have not, and a read of a shard still recovering fails with 503 where a missing document would give 404.
    """
    if not client.indices.exists(index=index):
        try:
            client.indices.create(index=index, **body)
        except Exception as error:  # created concurrently by another indexer
            if "resource_already_exists_exception" not in str(error):
                raise
    waiting = client.options(ignore_status=408)  # a timed-out wait answers 408: go on, later writes retry
    waiting.cluster.health(index=index, wait_for_status="yellow", timeout=SHARDS_STARTED_TIMEOUT)
