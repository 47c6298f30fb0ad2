"""Elasticsearch access: the client from settings, the index template, and searching the alias."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch, NotFoundError

from services.common.settings import ElasticsearchSettings
from services.indexer.documents import index_template, mapping_version
from services.indexer.indices import create_once
from services.indexer.stories import ensure_stories_index
from services.indexer.versions import ensure_versions_index

log = logging.getLogger(__name__)


def make_client(settings: ElasticsearchSettings) -> Elasticsearch:
    """A client with the credentials and TLS the settings give; secrets never leave SecretStr here."""
    options: dict[str, Any] = {
        "request_timeout": settings.es_request_timeout_s,
        "retry_on_timeout": True,
        "max_retries": 3,
    }
    if settings.es_api_key is not None:
        options["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username and settings.es_password is not None:
        options["basic_auth"] = (settings.es_username, settings.es_password.get_secret_value())
    if settings.es_ca_certs:
        options["ca_certs"] = settings.es_ca_certs
    return Elasticsearch(settings.es_url, **options)


def node_modules(client: Elasticsearch) -> set[str]:
    """Modules every node has: the minimal distribution lacks analysis-common, percolator, reindex…"""
    nodes = client.nodes.info(metric="plugins")["nodes"]
    sets = [{module["name"] for module in node.get("modules", [])} for node in nodes.values()]
    return set.intersection(*sets) if sets else set()


def has_english_analyzer(client: Elasticsearch) -> bool:
    return "analysis-common" in node_modules(client)


def alias_holders(client: Elasticsearch, alias: str) -> list[str]:
    """The indices the alias points at now."""
    try:
        return sorted(client.indices.get_alias(name=alias).body)
    except NotFoundError:
        return []


def ensure_index(client: Elasticsearch, settings: ElasticsearchSettings) -> str:
    """Install the template and create this month's index, so the alias exists before the first write (and
    the stories index behind its own alias, and the versions index).

    While the alias still points at indices of another mapping version, this version's indices are built
    beside them until `newsflow reindex` swaps it. Meanwhile they are in the alias through a filter that
    shows only what was indexed since the building began: new articles are searchable at once, and the
    rebuilt history (which keeps its first indexing time) is not seen twice. An article updated during the
    build is seen twice until the swap: its old version in the old indices, its new one here.
    """
    prefix, version = settings.es_index_prefix, mapping_version(settings.es_index_definition)
    own = f"{prefix}-v{version}-"
    building = any(not index.startswith(own) for index in alias_holders(client, settings.es_alias))
    alias_filter = _since_building(client, own) if building else None
    template = index_template(
        prefix,
        settings.es_alias,
        english=has_english_analyzer(client),
        path=settings.es_index_definition,
        alias_filter=alias_filter,
    )
    client.indices.put_index_template(name=f"{prefix}-v{version}", **template)
    # Fields added within one mapping version reach the months already created. A changed field type cannot
    # (it needs a new mapping version and a reindex): such an index keeps its mapping, and what it refuses
    # is dead-lettered with Elasticsearch's reason.
    for index in client.indices.get(index=f"{own}*", ignore_unavailable=True):
        try:
            client.indices.put_mapping(index=index, properties=template["template"]["mappings"]["properties"])
        except BadRequestError as error:
            log.warning("index %s keeps its mapping, which conflicts with this version's: %s", index, error)
    current = f"{own}{datetime.now(UTC):%Y.%m}"
    create_once(client, current)
    ensure_stories_index(client, settings)
    ensure_versions_index(client, settings)
    if alias_filter is not None:  # months made before this template, or by an indexer of an earlier release
        actions = [{"add": {"index": index, "alias": settings.es_alias, "filter": alias_filter}}
                   for index in client.indices.get(index=f"{own}*", ignore_unavailable=True)]  # fmt: skip
        client.indices.update_aliases(actions=actions)
    if building:
        log.info("alias %s serves another mapping version; v%d is built beside it until `newsflow reindex` "
                 "(searchable meanwhile: what was indexed since %s)", settings.es_alias, version,
                 alias_filter and alias_filter["range"]["indexed_at"]["gte"])  # fmt: skip
    return current


def _since_building(client: Elasticsearch, own: str) -> dict[str, Any]:
    """The building alias's filter: indexed since this version's first index was made (now, if none yet)."""
    made = client.indices.get_settings(index=f"{own}*", name="index.creation_date", ignore_unavailable=True)
    dates = [int(each["settings"]["index"]["creation_date"]) for each in made.body.values()]
    began = datetime.fromtimestamp(min(dates) / 1000, UTC) if dates else datetime.now(UTC)
    return {"range": {"indexed_at": {"gte": began.isoformat()}}}


def swap_alias(client: Elasticsearch, settings: ElasticsearchSettings) -> tuple[list[str], list[str]]:
    """Point the alias at this mapping version's indices only, unfiltered, in one atomic step; (removed,
    added)."""
    own = f"{settings.es_index_prefix}-v{mapping_version(settings.es_index_definition)}-"
    holders = alias_holders(client, settings.es_alias)
    removed = [index for index in holders if not index.startswith(own)]
    added = sorted(client.indices.get(index=f"{own}*", ignore_unavailable=True))
    actions = [{"remove": {"index": index, "alias": settings.es_alias}} for index in holders]
    actions += [{"add": {"index": index, "alias": settings.es_alias}} for index in added]
    if actions:
        client.indices.update_aliases(actions=actions)
    ensure_index(client, settings)  # the template now adds new months to the alias again
    return removed, added


def search(client: Elasticsearch, alias: str, query: str, size: int = 10) -> dict[str, Any]:
    """Full-text search over title, body and related headlines; an absent alias is an empty result."""
    try:
        return client.search(
            index=alias,
            query={
                "multi_match": {
                    "query": query,
                    "fields": ["title^3", "body", "related_headlines", "persons^2", "organizations^2", "locations"],
                    "type": "best_fields",
                }
            },
            size=size,
            source_excludes=["body"],
            highlight={"fields": {"body": {"fragment_size": 160, "number_of_fragments": 1}}},
        ).body
    except NotFoundError:
        return {"hits": {"total": {"value": 0, "relation": "eq"}, "hits": []}}
