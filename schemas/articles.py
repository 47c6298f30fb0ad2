"""The messages services exchange: one pydantic model per topic, the single contract between them.

Every model forbids unknown fields and carries ``schema_version`` so a subscriber can tell which
contract a message was written against. Field names are public API: subscribers, Elasticsearch
mappings and Kibana objects depend on them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Final, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

SCHEMA_VERSION: Final = 1

# Elasticsearch and Kafka both cope badly with unbounded strings; bodies larger than this are
# truncated (and flagged) by the cleaner, and rejected outright in raw input.
MAX_RAW_CHARS = 5_000_000


def article_id(canonical_url: str) -> str:
    """Stable id of an article: the first 128 bits of SHA-256 over its canonical URL, in hex."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:32]


ARTICLE_SCHEMES = ("http", "https", "file")  # the web, and local files ingested as articles


@lru_cache(maxsize=4096)  # an article's url and canonical_url are mostly one string, checked twice
def _absolute_url(value: str) -> str:
    parts = urlsplit(value)
    if not parts.scheme or not (parts.netloc or parts.scheme == "file"):
        raise ValueError(f"not an absolute URL: {value!r}")
    if parts.scheme.lower() not in ARTICLE_SCHEMES:
        raise ValueError(f"not a web or file URL: {value!r}")
    return value


def _as_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


AbsoluteUrl = Annotated[str, Field(min_length=1, max_length=8192), AfterValidator(_absolute_url)]
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_as_utc)]
ArticleId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Contract(BaseModel):
    """Base of every message: strict about unknown fields, immutable once built."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)

    schema_version: Literal[1] = SCHEMA_VERSION


class RawArticle(Contract):
    """An article as a source delivered it, before any cleaning (topic ``news.raw``).

    ``id`` defaults to the hash of ``canonical_url`` (or ``url``), so JSONL archives need only ``url``.
    """

    id: ArticleId = ""  # filled from the URL by the validator below
    url: AbsoluteUrl
    canonical_url: AbsoluteUrl | None = None
    source: str = Field(default="", max_length=512)
    title: str | None = Field(default=None, max_length=10_000)
    text: str | None = Field(default=None, max_length=MAX_RAW_CHARS)
    html: str | None = Field(default=None, max_length=MAX_RAW_CHARS)
    published_at: UtcDatetime | None = None
    fetched_at: UtcDatetime = Field(default_factory=_utc_now)
    language_hint: str | None = Field(default=None, max_length=16)
    backfill: bool = False

    @model_validator(mode="before")
    @classmethod
    def _derive_id_and_source(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("url"), str):
            data = dict(data)
            if not data.get("id"):
                data["id"] = article_id(data.get("canonical_url") or data["url"])
            if not data.get("source"):
                data["source"] = urlsplit(data["url"]).hostname or "local"
        return data

    @model_validator(mode="after")
    def _has_content(self) -> RawArticle:
        if not (self.text and self.text.strip()) and not (self.html and self.html.strip()):
            raise ValueError("a RawArticle needs a non-empty 'text' or 'html'")
        return self


class Dateline(BaseModel):
    """Where and by whom a wire story was filed: ``Tehran(IP) -`` → city Tehran, agency Iran Press."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    city: str | None = None
    agency: str | None = None


class CleanArticle(Contract):
    """An article as a careful editor would leave it (topic ``news.clean``)."""

    id: ArticleId
    url: AbsoluteUrl
    canonical_url: AbsoluteUrl
    source: str
    title: str | None = None
    body: str
    language: str | None = None
    language_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    published_at: UtcDatetime | None = None
    fetched_at: UtcDatetime
    authors: list[str] = Field(default_factory=list)
    dateline: Dateline | None = None
    related_headlines: list[str] = Field(default_factory=list)
    content_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    extraction_method: str = "text"
    truncated: bool = False
    duplicate_of: ArticleId | None = None
    story_id: str | None = None
    # Stories this article showed to be its own story told twice: they merge into ``story_id``.
    merged_stories: list[str] = Field(default_factory=list)
    # The article earlier copies were taken to be copies of: this one was published before it, and arrived
    # after. They are copies of this one now (the indexer re-points them).
    supersedes: ArticleId | None = None
    backfill: bool = False
    cleaned_at: UtcDatetime = Field(default_factory=_utc_now)


class EntityType(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    LOCATION = "location"
    MISC = "misc"


class GeoPoint(BaseModel):
    """A place linked to GeoNames, ready for an Elasticsearch ``geo_point``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lat: float = Field(ge=-90.0, le=90.0)
    lon: float = Field(ge=-180.0, le=180.0)
    country_code: str | None = Field(default=None, min_length=2, max_length=2)
    geonames_id: int | None = None


class Role(BaseModel):
    """A post a person holds as the text states it: ``Secretary`` of ``Supreme National Security Council``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = Field(min_length=1, max_length=200)
    organization: str | None = None


_WORDS = re.compile(r"[^\W_]+")
MAX_ID_KEY = 512


def fold_name(name: str) -> str:
    """Case, accents, hyphens and spacing removed: the key two spellings of one name share."""
    if name.isascii():  # most names: nothing to decompose
        return " ".join(name.casefold().replace("-", " ").split())
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", " ").split())


def entity_id(entity_type: EntityType, name: str, geonames_id: int | None = None) -> str:
    """The one key of a real-world entity across articles: a place's GeoNames id (``UK`` and ``Britain``
    are ``geonames:2635167``), else its type and its name folded (``person:ali-shamkhani``)."""
    if geonames_id is not None:
        return f"geonames:{geonames_id}"
    folded = fold_name(name)
    key = ("-".join(_WORDS.findall(folded)) or folded)[:MAX_ID_KEY]  # a name has no bound; an id has
    return f"{entity_type.value}:{key}"


class Entity(BaseModel):
    """A named entity as a reader would name it, with every surface form it appeared under, and its id:
    the key every article uses for it (``entity_id``; the indexer may point it at the fuller entity a
    story or another article names, ``Shamkhani`` → ``person:ali-shamkhani``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(default="", max_length=1024)
    name: str = Field(min_length=1)
    type: EntityType
    aliases: list[str] = Field(default_factory=list)
    mentions: int = Field(default=1, ge=1)
    salience: float = Field(default=0.0, ge=0.0, le=1.0)
    geo: GeoPoint | None = None
    roles: list[Role] = Field(default_factory=list)  # persons only

    @model_validator(mode="before")
    @classmethod
    def _with_id(cls, data: object) -> object:
        """An entity written without an id (by an older producer) gets the one its name and place give."""
        if isinstance(data, dict) and not data.get("id") and data.get("name") and data.get("type"):
            geo = data.get("geo")
            geonames_id = geo.get("geonames_id") if isinstance(geo, dict) else getattr(geo, "geonames_id", None)
            data = {**data, "id": entity_id(EntityType(data["type"]), str(data["name"]), geonames_id)}
        return data


class Topic(BaseModel):
    """An IPTC Media Topic with the classifier's score."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(pattern=r"^medtop:\d{8}$")
    label: str
    score: float = Field(ge=0.0, le=1.0)


class Calendar(StrEnum):
    GREGORIAN = "gregorian"
    PERSIAN = "persian"
    HIJRI = "hijri"


class MentionedDate(BaseModel):
    """A date as written in the text and as a Gregorian day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str
    date: date
    calendar: Calendar


class EnrichedArticle(CleanArticle):
    """A clean article with entities, topics, dates and key phrases (topic ``news.enriched``)."""

    entities: list[Entity] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    dates: list[MentionedDate] = Field(default_factory=list)
    keyphrases: list[str] = Field(default_factory=list)
    enriched_at: UtcDatetime = Field(default_factory=_utc_now)

    @model_validator(mode="after")
    def _topics_best_first(self) -> EnrichedArticle:
        scores = [topic.score for topic in self.topics]
        if scores != sorted(scores, reverse=True):
            raise ValueError("topics must be ordered best first")
        return self


class Stage(StrEnum):
    FETCH = "fetch"
    INGEST = "ingest"
    CLEAN = "clean"
    GROUP = "group"
    ENRICH = "enrich"
    INDEX = "index"
    ALERT = "alert"  # a webhook that could not be delivered


class DeadLetter(Contract):
    """A message a stage could not handle, with why, so it can be inspected and replayed (``news.dlq``).

    ``payload`` keeps the original bytes: as text when they were UTF-8, else base64.
    """

    stage: Stage
    error_class: str
    reason: str = Field(max_length=10_000)
    payload: str
    payload_encoding: Literal["utf-8", "base64"] = "utf-8"
    source_topic: str | None = None
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    article_id: str | None = None
    url: str | None = None
    attempts: int = Field(default=1, ge=1)
    failed_at: UtcDatetime = Field(default_factory=_utc_now)


class AlertMatch(Contract):
    """A newly indexed article that matches a saved search (topic ``news.alerts``, key ``<alert>:<article id>``,
    or ``<alert>:story:<story id>`` for an alert that fires once per story)."""

    alert: str = Field(min_length=1, max_length=200)
    article_id: ArticleId
    url: AbsoluteUrl
    title: str | None = None
    source: str = ""
    matched: list[str] = Field(default_factory=list)  # which of query, topic, entity the alert asked for
    indexed_at: UtcDatetime
    story_id: str | None = None  # the article's story (an alert made per story fires once for each)
    matched_at: UtcDatetime = Field(default_factory=_utc_now)


MESSAGE_MODELS: dict[str, type[Contract]] = {
    "raw-article": RawArticle,
    "clean-article": CleanArticle,
    "enriched-article": EnrichedArticle,
    "dead-letter": DeadLetter,
    "alert-match": AlertMatch,
}
