"""The contract between newsflow's services: message models, wire codec and exported JSON Schemas."""

from schemas.articles import (
    SCHEMA_VERSION,
    Calendar,
    CleanArticle,
    Contract,
    Dateline,
    DeadLetter,
    EnrichedArticle,
    Entity,
    EntityType,
    GeoPoint,
    MentionedDate,
    RawArticle,
    Stage,
    Topic,
    article_id,
)
from schemas.codec import InvalidMessage, dead_letter, decode, encode, original_payload
from schemas.topics import MEDIA_TOPICS, SLUGS, find_media_topic, topic_slug

__all__ = [
    "MEDIA_TOPICS",
    "SCHEMA_VERSION",
    "SLUGS",
    "Calendar",
    "CleanArticle",
    "Contract",
    "Dateline",
    "DeadLetter",
    "EnrichedArticle",
    "Entity",
    "EntityType",
    "GeoPoint",
    "InvalidMessage",
    "MentionedDate",
    "RawArticle",
    "Stage",
    "Topic",
    "article_id",
    "dead_letter",
    "decode",
    "encode",
    "find_media_topic",
    "original_payload",
    "topic_slug",
]
