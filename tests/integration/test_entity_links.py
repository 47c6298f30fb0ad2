"""One id per entity across articles, on the real Elasticsearch: the indexer points a surname at the full
name its story uses and an acronym at the expansion any article gave, before and after that article came."""

from __future__ import annotations

from datetime import timedelta

import pytest
from elasticsearch import Elasticsearch

from schemas import EnrichedArticle, Entity, EntityType
from tests.conftest import Pipeline, wait_for
from tests.support import NOW, alias_serves, enriched_article, publish_enriched

pytestmark = pytest.mark.integration

TALKS, MATCH = f"{1:032x}", f"{5:032x}"


def _article(number: int, story: str, *entities: Entity) -> EnrichedArticle:
    base = enriched_article(number, published_at=NOW + timedelta(minutes=number))
    return base.model_copy(update={"story_id": story, "entities": list(entities)})


def _person(name: str, *aliases: str) -> Entity:
    return Entity(name=name, type=EntityType.PERSON, aliases=list(aliases))


def _org(name: str, *aliases: str) -> Entity:
    return Entity(name=name, type=EntityType.ORGANIZATION, aliases=list(aliases))


def _stored(client: Elasticsearch, pipeline: Pipeline) -> dict[int, dict]:
    alias = pipeline.setting("es_alias")
    if not alias_serves(client, alias):
        return {}
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, size=100, source_includes=["entity_ids", "persons", "organizations", "entities"])
    return {int(hit["_id"], 16): hit["_source"] for hit in hits["hits"]["hits"]}


def test_surnames_and_acronyms_point_at_the_fuller_entity(pipeline: Pipeline):
    client = Elasticsearch("http://127.0.0.1:9200")
    # Before any article defines SNSC: a bare acronym, and a surname in a story that names the full person.
    first = [
        _article(1, TALKS, _person("Shamkhani"), _org("SNSC")),
        _article(2, TALKS, _person("Ali Shamkhani"), _person("Khamenei")),
        _article(3, TALKS, _person("Ali Khamenei"), _person("Mojtaba Khamenei")),
        _article(4, MATCH, _person("Shamkhani")),  # another story: another Shamkhani, perhaps
        _article(6, MATCH, _org("ICC"), _org("International Criminal Court", "ICC")),
    ]
    publish_enriched(pipeline.env, first)
    pipeline.start("run", "indexer")
    wait_for(lambda: "person:ali-shamkhani" in _stored(client, pipeline).get(1, {}).get("entity_ids", []))
    stored = _stored(client, pipeline)
    assert stored[1]["persons"] == ["Ali Shamkhani"] and stored[1]["entities"][0]["aliases"] == ["Shamkhani"]
    assert stored[4]["entity_ids"] == ["person:shamkhani"], "a surname in another story is left alone"
    assert "person:khamenei" in stored[2]["entity_ids"], "two fuller Khameneis: which one is not known"
    assert stored[1]["organizations"] == ["SNSC"], "no article has expanded SNSC yet"

    # An article of another story expands SNSC: the earlier bare acronym and a later one point at it.
    publish_enriched(pipeline.env, [_article(7, MATCH, _org("Supreme National Security Council", "SNSC")),
                                    _article(8, MATCH, _org("SNSC"))])  # fmt: skip
    council = "organization:supreme-national-security-council"
    wait_for(lambda: all(council in _stored(client, pipeline).get(n, {}).get("entity_ids", []) for n in (1, 8)))
    stored = _stored(client, pipeline)
    assert stored[1]["organizations"] == stored[8]["organizations"] == ["Supreme National Security Council"]
    court = "organization:international-criminal-court"
    assert stored[6]["entity_ids"].count(court) == 1
    assert [entity["id"] for entity in stored[6]["entities"]] == [court], "the bare acronym joined the court"

    # A second expansion of ICC makes it ambiguous: a later bare ICC is not pointed at either.
    publish_enriched(pipeline.env, [_article(9, MATCH, _org("International Cricket Council", "ICC"))])
    books = pipeline.setting("es_alerts_index")

    def icc_link() -> dict:
        return client.options(ignore_status=404).get(index=books, id="link:organization:icc").body.get("_source", {})

    wait_for(lambda: icc_link().get("ambiguous") is True)
    publish_enriched(pipeline.env, [_article(10, MATCH, _org("ICC"), _person("Ali Shamkhani"))])
    wait_for(lambda: "person:ali-shamkhani" in _stored(client, pipeline).get(4, {}).get("entity_ids", []))
    assert _stored(client, pipeline)[10]["entity_ids"] == ["organization:icc", "person:ali-shamkhani"]
