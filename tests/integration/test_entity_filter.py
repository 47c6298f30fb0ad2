"""`--entity X` means one thing for `subscribe` (tested in Python) and `alerts` (a query in Elasticsearch)."""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk

from schemas import Entity, EntityType
from services.indexer.alerts import mentions_entity, naming_query
from services.indexer.documents import bulk_action, mapping_version
from services.indexer.elastic import ensure_index
from services.indexer.settings import IndexerSettings
from tests.conftest import Pipeline
from tests.support import enriched_article, settings_values

pytestmark = pytest.mark.integration

ENTITIES = {
    1: [Entity(name="Ali Shamkhani", type=EntityType.PERSON, aliases=["Shamkhani"])],
    2: [Entity(name="Supreme National Security Council", type=EntityType.ORGANIZATION, aliases=["SNSC"])],
    3: [Entity(name="Bishkek", type=EntityType.LOCATION)],
    4: [Entity(name="Six Nations", type=EntityType.MISC, aliases=["Six Nations Championship"])],
    5: [Entity(name="Shamkhani*", type=EntityType.PERSON)],
}
WANTED = ["Shamkhani", "shamkhani", "Ali Shamkhani", "Sham", "snsc", "Security Council", "national security",
          "BISHKEK", "Bishkek city", "six nations championship", "Nations", "Shamkhani*", "*", "?hamkhani"]  # fmt: skip


def test_subscribe_and_alerts_name_the_same_articles_for_every_wanted_entity(pipeline: Pipeline):
    settings = IndexerSettings.model_validate(settings_values(pipeline.env))
    articles = [enriched_article(n).model_copy(update={"entities": found}) for n, found in ENTITIES.items()]
    client = Elasticsearch(settings.es_url)
    try:
        ensure_index(client, settings)
        version = mapping_version(settings.es_index_definition)
        bulk(client, [bulk_action(article, settings.es_index_prefix, version) for article in articles], refresh=True)
        for wanted in WANTED:
            hits = client.search(index=settings.es_alias, query=naming_query(wanted), size=100)["hits"]["hits"]
            in_elasticsearch = {hit["_id"] for hit in hits}
            in_python = {article.id for article in articles if mentions_entity(article, wanted)}
            assert in_elasticsearch == in_python, wanted
        assert {a.id for a in articles if mentions_entity(a, "Shamkhani")} == {articles[0].id}
        assert not any(mentions_entity(a, "*") for a in articles), "a wildcard character is a character"
    finally:
        client.close()
