"""Hostile and broken input never escapes the clean stage as an exception: it is cleaned or dead-lettered."""

from __future__ import annotations

import json
import random

import pytest

from schemas import CleanArticle, DeadLetter
from services.processor.stages import clean_message

BILLION_LAUGHS = """<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<html><body><p>&lol4;</p></body></html>"""

STORY = "<p>" + "Rescue teams searched the hills north of the capital for survivors of the landslide. " * 5 + "</p>"

HOSTILE_HTML = {
    "entity expansion": BILLION_LAUGHS,
    "deep nesting": "<div>" * 20_000 + STORY + "</div>" * 20_000,
    "unclosed everything": "<html><body><article><p>" + STORY.replace("</p>", "") + "<table><tr><td>",
    "script only": "<html><script>" + "x=1;" * 10_000 + "</script></html>",
    "binary noise": "".join(chr(random.Random(7).randrange(1, 0x2FF)) for _ in range(20_000)),
    "null bytes": "<p>\x00\x00 text \x00</p>" * 100,
    "huge page": "<html><body>" + STORY * 2_000 + "</body></html>",
    "comment bomb": "<!--" * 10_000 + STORY,
    "wrong charset declared": '<meta charset="x-unknown-charset">' + STORY,
}


def _message(html: str) -> bytes:
    return json.dumps({"url": "https://example.org/hostile", "html": html}).encode()


# Pages whose text a reader can see, and a sentence of it: it must come out, however broken the markup around it.
READABLE = {
    "huge page": "Rescue teams searched the hills",
    "null bytes": "text",
    "unclosed everything": "Rescue teams searched the hills",
    "wrong charset declared": "Rescue teams searched the hills",
}


def _clean(name: str) -> CleanArticle | DeadLetter:
    return clean_message(_message(HOSTILE_HTML[name]), {"source_topic": "news.raw", "offset": 0})


@pytest.mark.parametrize("name", sorted(READABLE))
def test_broken_markup_around_readable_text_still_yields_the_text(name):
    outcome = _clean(name)
    assert isinstance(outcome, CleanArticle), outcome
    assert READABLE[name] in outcome.body
    assert "\x00" not in outcome.body


@pytest.mark.parametrize("name", sorted(set(HOSTILE_HTML) - set(READABLE)))
def test_hostile_html_is_cleaned_or_refused_for_a_stated_reason_never_an_unexpected_error(name):
    outcome = _clean(name)
    if isinstance(outcome, DeadLetter):
        # A cleaning verdict, not an exception the stage's catch-all turned into a letter.
        assert outcome.error_class == "CleaningError" and outcome.stage == "clean", outcome.reason
    else:
        assert outcome.body.strip()
        assert "lollol" not in outcome.body, "entities must never be expanded"


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"\x00" * 100,
        b"{}",
        b"[]",
        b"null",
        b'{"url": 5, "text": "x"}',
        b'{"url": "https://e.org/1", "text": "x", "published_at": "not a date"}',
        b'{"url": "https://e.org/1", "text": "' + b"\xc3\x28" * 10 + b'"}',
        json.dumps({"url": "https://e.org/" + "a" * 9000, "text": "x"}).encode(),
    ],
)
def test_invalid_messages_become_dead_letters_with_a_reason(payload):
    outcome = clean_message(payload, {"source_topic": "news.raw", "offset": 0})
    assert isinstance(outcome, DeadLetter)
    assert outcome.reason and "\n" not in outcome.reason
