"""The indexed document and the index template agree; Kibana's fields exist with aggregatable types."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from schemas import (
    Calendar,
    EnrichedArticle,
    Entity,
    EntityType,
    GeoPoint,
    MentionedDate,
    Topic,
    article_id,
    encode,
)
from services.indexer.documents import (
    bulk_action,
    document_json,
    index_for,
    index_template,
    load_index_definition,
    to_document,
)


def a_full_article(**overrides: object) -> EnrichedArticle:
    """An article with every optional field filled, so the whole mapping is exercised."""
    fields: dict[str, Any] = {
        "id": article_id("https://example.org/tehran"),
        "url": "https://example.org/tehran?utm_source=x",
        "canonical_url": "https://example.org/tehran",
        "source": "example.org",
        "title": "Tehran, Bishkek to boost bilateral ties",
        "body": "Iran's Secretary of the Supreme National Security Council met Talaatbek Mossadeghov.",
        "language": "en",
        "language_confidence": 0.99,
        "published_at": datetime(2024, 2, 15, 8, 0, tzinfo=UTC),
        "fetched_at": datetime(2024, 2, 15, 9, 0, tzinfo=UTC),
        "authors": ["Iran Press"],
        "dateline": {"city": "Tehran", "agency": "Iran Press"},
        "related_headlines": ["Iran, Russia confer boosting security cooperation"],
        "content_hash": "a" * 64,
        "duplicate_of": article_id("https://example.org/other"),
        "story_id": "story-1",
        "entities": [
            Entity(name="Ali Shamkhani", type=EntityType.PERSON, aliases=["Shamkhani"], mentions=3, salience=0.9),
            Entity(
                name="Supreme National Security Council",
                type=EntityType.ORGANIZATION,
                aliases=["SNSC"],
                mentions=2,
            ),
            Entity(
                name="Bishkek",
                type=EntityType.LOCATION,
                geo=GeoPoint(lat=42.87, lon=74.59, country_code="KG", geonames_id=1528675),
            ),
            Entity(name="ISIS", type=EntityType.MISC),
        ],
        "topics": [
            Topic(code="medtop:11000000", label="politics", score=0.8),
            Topic(code="medtop:16000000", label="conflict, war and peace", score=0.6),
        ],
        "dates": [MentionedDate(text="26 Bahman 1402", date=date(2024, 2, 15), calendar=Calendar.PERSIAN)],
        "keyphrases": ["security cooperation"],
    }
    fields.update(overrides)
    return EnrichedArticle.model_validate(fields)


def _mapped_paths(properties: dict[str, Any], prefix: str = "") -> dict[str, str]:
    paths = {}
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        if "properties" in spec:
            paths.update(_mapped_paths(spec["properties"], path + "."))
        paths[path] = spec.get("type", "object")
    return paths


def _document_paths(value: Any, prefix: str = "") -> set[str]:
    if isinstance(value, list):
        return set().union(*(_document_paths(item, prefix) for item in value)) if value else set()
    if isinstance(value, dict) and not prefix.endswith("places."):
        paths = set()
        for key, item in value.items():
            paths.add(f"{prefix}{key}")
            paths |= _document_paths(item, f"{prefix}{key}.")
        return paths
    return set()


def test_every_field_of_a_document_is_in_the_strict_mapping():
    template = index_template("news", "news", english=False)
    mapped = _mapped_paths(template["template"]["mappings"]["properties"])
    assert template["template"]["mappings"]["dynamic"] == "strict"
    document = to_document(a_full_article())
    unmapped = {path for path in _document_paths(document) if path not in mapped and not path.startswith("places.")}
    assert unmapped == set()


def test_kibana_fields_have_aggregatable_types():
    mapped = _mapped_paths(index_template("news", "news", english=False)["template"]["mappings"]["properties"])
    for field in ("source", "language", "persons", "organizations", "locations", "topic_labels", "title.keyword"):
        assert mapped.get(field, mapped.get(field.split(".")[0])) in {"keyword", "text"}, field
    assert mapped["places"] == "geo_point"
    assert mapped["published_at"] == "date"
    assert mapped["url"] == "keyword"


def test_the_english_analyser_is_used_only_when_the_node_has_it():
    for english, analyzer in ((True, "english"), (False, "standard")):
        properties = index_template("p", "a", english=english)["template"]["mappings"]["properties"]
        assert properties["body"]["analyzer"] == analyzer
        assert properties["title"]["analyzer"] == analyzer


def test_documents_carry_flat_entity_topic_and_place_fields():
    document = to_document(a_full_article(), indexed_at=datetime(2024, 2, 16, tzinfo=UTC))
    assert document["persons"] == ["Ali Shamkhani"]
    assert document["organizations"] == ["Supreme National Security Council"]
    assert document["locations"] == ["Bishkek"]
    assert document["places"] == [{"lat": 42.87, "lon": 74.59}]
    assert document["country_codes"] == ["KG"]
    assert document["topic_codes"] == ["medtop:11000000", "medtop:16000000"]
    assert document["indexed_at"] == "2024-02-16T00:00:00+00:00"
    assert document["entity_ids"] == [
        "person:ali-shamkhani", "organization:supreme-national-security-council", "geonames:1528675", "misc:isis"
    ]  # fmt: skip


def test_two_entities_of_one_id_are_one_bar_in_a_dashboard():
    article = a_full_article()
    twice = article.entities[0].model_copy(update={"name": "ALI SHAMKHANI"})
    document = to_document(article.model_copy(update={"entities": [*article.entities, twice]}))
    assert document["persons"] == ["Ali Shamkhani"] and document["entity_ids"].count("person:ali-shamkhani") == 1


def test_the_bulk_request_carries_the_document_as_json_bytes():
    at = datetime(2024, 2, 16, tzinfo=UTC)
    article = a_full_article()
    assert json.loads(document_json(article, indexed_at=at)) == to_document(article, indexed_at=at)
    source = bulk_action(article, "news", 1)["_source"]
    assert isinstance(source, bytes)
    assert json.loads(source)["persons"] == ["Ali Shamkhani"]


def test_a_validated_message_passes_through_with_the_flat_fields_added():
    at = datetime(2024, 2, 16, tzinfo=UTC)
    article = a_full_article()
    message = encode(article) + b"\n"
    assert json.loads(document_json(article, indexed_at=at, message=message)) == to_document(article, indexed_at=at)
    source = bulk_action(article, "news", 1, message=message)["_source"]
    assert source.startswith(message.rstrip()[:-1])


def test_articles_go_to_the_monthly_index_of_their_publication():
    article = a_full_article()
    assert index_for(article, "news", 1) == "news-v1-2024.02"
    undated = a_full_article(published_at=None)
    assert index_for(undated, "news", 1) == "news-v1-2024.02"


def test_a_newer_enrichment_gets_a_higher_external_version():
    older = bulk_action(a_full_article(enriched_at=datetime(2024, 2, 15, tzinfo=UTC)), "news", 1)
    newer = bulk_action(a_full_article(enriched_at=datetime(2024, 2, 16, tzinfo=UTC)), "news", 1)
    assert older["_id"] == newer["_id"]
    assert older["version"] < newer["version"]
    assert older["version_type"] == "external_gte"


def _keyword_fields(properties: dict, prefix: str = "") -> dict[str, dict]:
    found = {}
    for name, spec in properties.items():
        if spec.get("type") == "keyword":
            found[prefix + name] = spec
        found.update(_keyword_fields(spec.get("properties", {}), f"{prefix}{name}."))
        found.update(_keyword_fields(spec.get("fields", {}), f"{prefix}{name}."))
    return found


def test_no_keyword_value_can_exceed_lucenes_term_limit():
    """A keyword longer than 32,766 bytes makes Elasticsearch reject the whole document; free text in
    keyword fields is cut off (ignore_above, in characters: 4 bytes each at most) rather than rejected."""
    bounded_by_schema = {"id", "language", "content_hash", "duplicate_of", "supersedes", "entities.type",
                         "entities.geo.country_code", "country_codes", "topics.code", "topic_codes",
                         "dates.calendar"}  # fmt: skip
    for name, spec in _keyword_fields(load_index_definition()["mappings"]["properties"]).items():
        if name not in bounded_by_schema:
            assert spec.get("ignore_above", 10**9) <= 32_766 // 4, name
