"""EnrichedArticle → Elasticsearch document and bulk action; pure, no client here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from schemas import EnrichedArticle, EntityType

TEMPLATE_FILE = Path(__file__).resolve().parents[2] / "deploy" / "elasticsearch" / "news-index.json"

FLAT_FIELDS = {  # the flat field dashboards count, per entity type
    EntityType.PERSON: "persons",
    EntityType.ORGANIZATION: "organizations",
    EntityType.LOCATION: "locations",
    EntityType.MISC: "misc",
}


@dataclass(frozen=True)
class Revision:
    """An article's history as its document shows it: earlier versions kept, and when the text last changed."""

    revisions: int = 0
    revised_at: str | None = None


def load_index_definition(path: Path | None = None) -> dict[str, Any]:
    """The versioned settings and mapping from ``deploy/elasticsearch/news-index.json`` (or ``path``)."""
    return json.loads((path or TEMPLATE_FILE).read_text())


def mapping_version(path: Path | None = None) -> int:
    return int(load_index_definition(path)["mapping_version"])


def index_template(
    prefix: str, alias: str, *, english: bool, path: Path | None = None, alias_filter: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The composable index template body; ``english`` when the node has the english analyser. With
    ``alias_filter`` new indices join the alias through that filter: a new mapping version is being built
    beside the old, and only what the old cannot hold is shown from it."""
    definition = json.loads(
        json.dumps(load_index_definition(path)).replace("$text_analyzer", "english" if english else "standard")
    )
    return {
        "index_patterns": [f"{prefix}-v{definition['mapping_version']}-*"],
        "priority": 100,
        "template": {
            "settings": definition["settings"],
            "mappings": definition["mappings"],
            "aliases": {alias: {"filter": alias_filter} if alias_filter else {}},
        },
        "_meta": {"managed_by": "newsflow", "mapping_version": definition["mapping_version"]},
    }


def index_for(article: EnrichedArticle, prefix: str, version: int) -> str:
    """Monthly index by publication (else fetch) time: old months can be dropped or frozen whole."""
    when = article.published_at or article.fetched_at
    return f"{prefix}-v{version}-{when:%Y.%m}"


def document_version(article: EnrichedArticle) -> int:
    """External version: enrichment time in microseconds, so an older result never replaces a newer one."""
    return int(article.enriched_at.timestamp() * 1_000_000)


def to_document(
    article: EnrichedArticle, indexed_at: datetime | None = None, revision: Revision | None = None
) -> dict[str, Any]:
    """The indexed form: the article itself plus flat, aggregatable fields for Kibana, and its history."""
    return {**article.model_dump(mode="json"), **_flat_fields(article, indexed_at, revision)}


def document_json(
    article: EnrichedArticle,
    indexed_at: datetime | None = None,
    *,
    message: bytes | None = None,
    revision: Revision | None = None,
) -> bytes:
    """:func:`to_document` as the JSON bytes the bulk request carries.

    The article's own JSON is spliced together with the flat fields rather than built as a dict and dumped
    again: a fraction of the Python time per document, on cores Elasticsearch needs. ``message`` is the
    validated message the article was read from: it is the article's JSON already, so it passes through as
    sent (the processor writes every field, times in UTC); without it pydantic serialises the article.
    """
    article_json = message.rstrip() if message is not None else article.model_dump_json().encode()
    flat = _flat_fields(article, indexed_at, revision)
    flat_json = json.dumps(flat, ensure_ascii=False, separators=(",", ":")).encode()
    return article_json[:-1] + b"," + flat_json[1:]


def _flat_fields(article: EnrichedArticle, indexed_at: datetime | None, revision: Revision | None) -> dict[str, Any]:
    fields: dict[str, Any] = {field: [] for field in FLAT_FIELDS.values()}
    places = []
    countries = set()
    ids: list[str] = []
    for entity in article.entities:
        if entity.id in ids:
            continue  # one bar per id in a dashboard: two spellings of one entity count once
        ids.append(entity.id)
        fields[FLAT_FIELDS[entity.type]].append(entity.name)
        if entity.geo is not None:
            places.append({"lat": entity.geo.lat, "lon": entity.geo.lon})
            if entity.geo.country_code:
                countries.add(entity.geo.country_code)
    fields["entity_ids"] = ids
    fields["places"] = places
    fields["country_codes"] = sorted(countries)
    fields["topic_codes"] = [topic.code for topic in article.topics]
    fields["topic_labels"] = [topic.label for topic in article.topics]
    fields["indexed_at"] = (indexed_at or datetime.now(UTC)).isoformat()
    # The one time every article has (publication, else fetch): time-based views and dashboards use it.
    fields["timestamp"] = (article.published_at or article.fetched_at).isoformat()
    revision = revision or Revision()
    fields["revisions"] = revision.revisions
    fields["revised_at"] = revision.revised_at
    return fields


def bulk_action(
    article: EnrichedArticle,
    prefix: str,
    version: int,
    *,
    message: bytes | None = None,
    revision: Revision | None = None,
    indexed_at: datetime | None = None,
    replace_same_version: bool = True,
) -> dict[str, Any]:
    """The bulk action of one article. A replay by the live indexer rewrites the same version; a rebuild
    (``replace_same_version=False``) leaves what the live indexer already wrote as it is."""
    return {
        "_op_type": "index",
        "_index": index_for(article, prefix, version),
        "_id": article.id,
        "version": document_version(article),
        "version_type": "external_gte" if replace_same_version else "external",
        "_source": document_json(article, indexed_at, message=message, revision=revision),
    }
