"""The message contract: what every service may rely on about the others' messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas import (
    CleanArticle,
    DeadLetter,
    EnrichedArticle,
    Entity,
    EntityType,
    GeoPoint,
    InvalidMessage,
    RawArticle,
    Stage,
    Topic,
    article_id,
    dead_letter,
    decode,
    encode,
    entity_id,
    original_payload,
)
from schemas.codec import MessageOrigin, attempt_of, attempts_header
from schemas.export import JSON_DIR, rendered_schemas


def a_clean_article(**overrides: object) -> CleanArticle:
    fields: dict[str, object] = {
        "id": article_id("https://example.org/a"),
        "url": "https://example.org/a",
        "canonical_url": "https://example.org/a",
        "source": "example.org",
        "title": "A title",
        "body": "A body.",
        "fetched_at": datetime(2024, 2, 15, 8, 0, tzinfo=UTC),
        "content_hash": "0" * 64,
    }
    fields.update(overrides)
    return CleanArticle.model_validate(fields)


def test_raw_article_needs_only_a_url_and_content():
    raw = RawArticle.model_validate({"url": "https://www.example.org/news/1", "text": "Body"})
    assert raw.id == article_id("https://www.example.org/news/1")
    assert raw.source == "www.example.org"
    assert raw.schema_version == 1


def test_article_id_is_the_hash_of_the_canonical_url_when_there_is_one():
    raw = RawArticle(url="https://m.example.org/1?utm_source=x", canonical_url="https://example.org/1", text="x")
    assert raw.id == article_id("https://example.org/1")
    assert len(raw.id) == 32 and raw.id == article_id("https://example.org/1")


def test_unknown_fields_are_refused():
    with pytest.raises(ValidationError, match="extra_field"):
        RawArticle.model_validate({"url": "https://example.org/1", "text": "x", "extra_field": 1})


def test_a_raw_article_without_text_or_html_is_refused():
    with pytest.raises(ValidationError, match="non-empty 'text' or 'html'"):
        RawArticle(url="https://example.org/1", text="   ")


def test_relative_urls_are_refused():
    with pytest.raises(ValidationError, match="not an absolute URL"):
        RawArticle(url="/news/1", text="x")


def test_an_article_lives_on_the_web_or_in_a_file():
    for url in ("ftp://files.example/story", "javascript:alert(1)", "mailto:desk@wire.example"):
        with pytest.raises(ValidationError, match=r"not (an absolute|a web or file) URL"):
            RawArticle(url=url, text="A story.")
    assert RawArticle(url="file:///srv/inbox/story.txt", text="A story.").url.startswith("file:")


def test_naive_timestamps_are_refused_and_aware_ones_stored_in_utc():
    with pytest.raises(ValidationError, match="timezone"):
        RawArticle(url="https://example.org/1", text="x", published_at=datetime(2024, 2, 15, 8, 0))
    raw = RawArticle.model_validate(
        {"url": "https://example.org/1", "text": "x", "published_at": "2024-02-15T11:30:00+03:30"}
    )
    assert raw.published_at == datetime(2024, 2, 15, 8, 0, tzinfo=UTC)
    assert raw.published_at is not None and raw.published_at.utcoffset() is not None


def test_unsupported_schema_version_is_refused():
    with pytest.raises(ValidationError, match="schema_version"):
        RawArticle.model_validate({"schema_version": 2, "url": "https://example.org/1", "text": "x"})


def test_enriched_topics_must_be_best_first():
    article = a_clean_article()
    fields = article.model_dump(exclude={"schema_version"})
    low, high = (
        Topic(code="medtop:11000000", label="politics", score=0.2),
        Topic(code="medtop:16000000", label="conflict, war and peace", score=0.9),
    )
    assert EnrichedArticle(**fields, topics=[high, low]).topics[0] == high
    with pytest.raises(ValidationError, match="best first"):
        EnrichedArticle(**fields, topics=[low, high])


def test_codec_round_trips_every_message_kind():
    clean = a_clean_article()
    assert decode(CleanArticle, encode(clean)) == clean
    enriched = EnrichedArticle(**clean.model_dump(exclude={"schema_version"}))
    assert decode(EnrichedArticle, encode(enriched)) == enriched


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty message"),
        (None, "empty message"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"{not json", "invalid RawArticle"),
        (b'{"text": "no url"}', "url: Field required"),
        (json.dumps({"url": "https://e.org/1", "text": "x", "bogus": 1}).encode(), "bogus: Extra inputs"),
    ],
)
def test_decode_explains_in_one_line_why_a_message_is_invalid(payload, reason):
    with pytest.raises(InvalidMessage) as error:
        decode(RawArticle, payload)
    assert reason in error.value.reason
    assert "\n" not in error.value.reason


def test_dead_letter_keeps_the_exact_original_bytes():
    binary = b"\x89PNG\r\n\x1a\n\x00\x00"
    letter = dead_letter(Stage.CLEAN, binary, InvalidMessage("not UTF-8"), source_topic="news.raw", offset=7)
    assert letter.payload_encoding == "base64"
    assert original_payload(letter) == binary
    assert (letter.stage, letter.error_class, letter.reason, letter.offset) == (
        Stage.CLEAN,
        "InvalidMessage",
        "not UTF-8",
        7,
    )
    assert decode(DeadLetter, encode(letter)) == letter


def test_exported_json_schemas_are_current():
    """Run `python -m schemas.export` after changing a model."""
    for file_name, text in rendered_schemas().items():
        assert (JSON_DIR / file_name).read_text(encoding="utf-8") == text, f"{file_name} is stale"


@pytest.mark.parametrize(
    ("headers", "attempt"),
    [
        (None, 1),
        ([], 1),
        ([("other", b"7")], 1),
        ([("newsflow-attempts", b"2")], 3),
        ({"newsflow-attempts": b"1"}, 2),
        ([("newsflow-attempts", b"-4")], 1),
        ([("newsflow-attempts", b"99999999999")], 1),
        ([("newsflow-attempts", b"\xff")], 1),
    ],
)
def test_a_replayed_message_counts_its_earlier_failures_and_a_forged_count_is_a_first_attempt(headers, attempt):
    assert attempt_of(headers) == attempt


def test_a_failure_after_replays_is_a_letter_with_every_attempt_counted():
    origin = MessageOrigin(source_topic="news.raw", offset=4, attempts=attempt_of(attempts_header(2)))
    assert dead_letter(Stage.CLEAN, b"x", ValueError("bad"), **origin).attempts == 3


def test_an_entity_has_one_id_however_it_is_written_and_a_place_its_geonames_id():
    assert entity_id(EntityType.PERSON, "Ali Shamkhani") == "person:ali-shamkhani"
    assert entity_id(EntityType.PERSON, "ALI  SHAMKHANI") == entity_id(EntityType.PERSON, "Ali Shamkhani")
    assert entity_id(EntityType.PERSON, "Carsten Grün") == "person:carsten-grun"
    assert entity_id(EntityType.LOCATION, "UK", 2635167) == entity_id(EntityType.LOCATION, "Britain", 2635167)
    assert Entity(name="Bishkek", type=EntityType.LOCATION,
                  geo=GeoPoint(lat=42.87, lon=74.59, geonames_id=1528675)).id == "geonames:1528675"  # fmt: skip
    older = '{"name": "Supreme National Security Council", "type": "organization"}'  # written without an id
    assert Entity.model_validate_json(older).id == "organization:supreme-national-security-council"
    assert Entity(id="person:ali-shamkhani", name="Shamkhani", type=EntityType.PERSON).id == "person:ali-shamkhani"
