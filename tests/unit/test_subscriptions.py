"""Per-topic streams: stable names, which stream an article goes to, what a subscriber's filter matches."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas import SLUGS, EnrichedArticle, Entity, EntityType, Topic, find_media_topic
from services.indexer.alerts import mentions_entity
from services.processor.enrich import subscription_codes


def _article(topics: list[Topic], entities: list[Entity] | None = None) -> EnrichedArticle:
    return EnrichedArticle(
        id="0" * 32,
        url="https://example.org/a",
        canonical_url="https://example.org/a",
        source="example",
        body="Text.",
        fetched_at=datetime(2026, 11, 23, tzinfo=UTC),
        content_hash="0" * 64,
        topics=topics,
        entities=entities or [],
    )


def test_stream_names_are_the_slugs_of_the_iptc_labels():
    assert SLUGS["medtop:16000000"] == "conflict-war-and-peace"
    assert SLUGS["medtop:01000000"] == "arts-culture-entertainment-and-media"
    assert len(set(SLUGS.values())) == 17


def test_a_topic_is_found_by_slug_label_code_or_number():
    for name in ["conflict-war-and-peace", "Conflict, war and peace", "medtop:16000000", "16000000"]:
        assert find_media_topic(name) == "medtop:16000000"
    assert find_media_topic("astrology") is None


def test_an_article_goes_to_its_best_topic_and_to_others_above_the_threshold():
    article = _article(
        [
            Topic(code="medtop:11000000", label="politics and government", score=0.25),
            Topic(code="medtop:16000000", label="conflict, war and peace", score=0.24),
            Topic(code="medtop:11000001", label="second level", score=0.2),
            Topic(code="medtop:04000000", label="economy, business and finance", score=0.1),
        ]
    )
    assert subscription_codes(article, threshold=0.2) == ["medtop:11000000", "medtop:16000000"]
    assert subscription_codes(article, threshold=0.3) == ["medtop:11000000"], "the best one always"


def test_the_entity_filter_matches_names_aliases_and_whole_words():
    shamkhani = Entity(name="Ali Shamkhani", type=EntityType.PERSON, aliases=["Shamkhani"])
    council = Entity(name="Supreme National Security Council", type=EntityType.ORGANIZATION, aliases=["SNSC"])
    article = _article([], [shamkhani, council])
    assert mentions_entity(article, "shamkhani") and mentions_entity(article, "snsc")
    assert mentions_entity(article, "Security Council")
    assert not mentions_entity(article, "Sham") and not mentions_entity(article, "Afghanistan")
