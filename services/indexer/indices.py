"""Creating an index that several indexers may create at once."""

from __future__ import annotations

from typing import Any

from elasticsearch import Elasticsearch


def create_once(client: Elasticsearch, index: str, **body: Any) -> None:
    """Create ``index`` with ``body`` (settings, mappings, aliases) unless it exists; losing a race is fine."""
    if client.indices.exists(index=index):
        return
    try:
        client.indices.create(index=index, **body)
    except Exception as error:  # created concurrently by another indexer
        if "resource_already_exists_exception" not in str(error):
            raise
