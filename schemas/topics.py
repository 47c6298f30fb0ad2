"""The per-topic streams' names: one Kafka topic per IPTC Media Topic top-level code, named by a slug of its
label. Part of the contract: subscribers depend on these names, so they never change."""

from __future__ import annotations

import re
from typing import Final

MEDIA_TOPICS: Final = {
    "medtop:01000000": "arts, culture, entertainment and media",
    "medtop:02000000": "crime, law and justice",
    "medtop:03000000": "disaster, accident and emergency incident",
    "medtop:04000000": "economy, business and finance",
    "medtop:05000000": "education",
    "medtop:06000000": "environment",
    "medtop:07000000": "health",
    "medtop:08000000": "human interest",
    "medtop:09000000": "labour",
    "medtop:10000000": "lifestyle and leisure",
    "medtop:11000000": "politics and government",
    "medtop:12000000": "religion",
    "medtop:13000000": "science and technology",
    "medtop:14000000": "society",
    "medtop:15000000": "sport",
    "medtop:16000000": "conflict, war and peace",
    "medtop:17000000": "weather",
}


def topic_slug(label: str) -> str:
    """``conflict, war and peace`` → ``conflict-war-and-peace``."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


SLUGS: Final = {code: topic_slug(label) for code, label in MEDIA_TOPICS.items()}


def find_media_topic(name: str) -> str | None:
    """The code a user means by a slug, a label, a code or its number (``16000000``)."""
    wanted = name.strip().lower()
    for code, label in MEDIA_TOPICS.items():
        if wanted in {code, code.removeprefix("medtop:"), label, SLUGS[code]}:
            return code
    return None
