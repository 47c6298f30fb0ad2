"""Publishing once what a person names — files, folders, page URLs — as `newsflow ingest` does.

The same reading (inputs.py), address policy (http.py) and record of what was published (publisher.py)
as the running fetcher, so an article ingested by hand is never published twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.fetcher.inputs import InputError, walk
from services.fetcher.publisher import PublishCounts, Publisher
from services.fetcher.settings import FetcherSettings, safe_client


@dataclass
class Ingested:
    counts: PublishCounts
    article_ids: list[str] = field(default_factory=list)  # every article read, published now or before
    skipped: list[InputError] = field(default_factory=list)  # inputs that were not articles, with why


def ingest(
    settings: FetcherSettings, paths: list[str], *, backfill: bool = False, force: bool = False, attempt: int = 1
) -> Ingested:
    """Read every path and URL, publish the articles not yet published unchanged (all of them if ``force``).

    ``attempt`` > 1 when the paths come from replayed dead letters: a failure again counts one more."""
    client = safe_client(settings)
    try:
        items = list(walk(paths, backfill=backfill, client=client))
    finally:
        client.close()
    publisher = Publisher(settings)
    try:
        counts = publisher.publish(items, force=force, attempt=attempt)
    finally:
        publisher.close()
    return Ingested(
        counts,
        [item.id for item in items if not isinstance(item, InputError)],
        [item for item in items if isinstance(item, InputError)],
    )
