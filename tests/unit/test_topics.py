"""IPTC topics: words no lexicon lists still speak for their beat through the model's word vectors, and a
score is the beat's share of the article's evidence, so a minority beat stays visible."""

from __future__ import annotations

import math

import pytest
from spacy.strings import get_string_id

from schemas import Topic
from services.processor.entities import load_pipeline
from services.processor.topics import NEWSROOM, SPORT, a_sports_story, classify, word_beats


@pytest.fixture(scope="module")
def vectors():
    return load_pipeline().vocab.vectors


def _codes(topics) -> list[str]:
    return [topic.code for topic in topics]


def test_a_games_story_in_words_no_lexicon_lists_is_technology(vectors):
    title = "Nintendo takes on PlayStation"
    body = "Gamers in Japan queued overnight for the handheld, which plays downloaded titles and connects wirelessly."
    assert not {"nintendo", "playstation", "gamers", "handheld"} & set(NEWSROOM["13"].split())
    assert _codes(classify(title, body, vectors))[0] == "medtop:13000000"
    # The taxonomy's own words cannot tell: without vectors the story is not technology.
    assert _codes(classify(title, body))[0] != "medtop:13000000"


def test_a_word_speaks_only_for_the_beat_it_is_nearest(vectors):
    beats = word_beats(vectors)
    assert beats is not None
    for word, beat in [
        ("PlayStation", "medtop:13000000"),
        ("striker", "medtop:15000000"),
        ("ceasefire", "medtop:16000000"),
    ]:
        weights = dict(zip(beats.codes, beats.weights[beats.key2row[get_string_id(word)]].tolist(), strict=True))
        assert {code for code, weight in weights.items() if weight > 0} == {beat}, word


def test_a_word_both_lexicons_list_is_shared_between_the_two_beats(vectors):
    beats = word_beats(vectors)
    assert beats is not None
    weights = dict(zip(beats.codes, beats.weights[beats.key2row[get_string_id("security")]].tolist(), strict=True))
    shared = {code: weight for code, weight in weights.items() if weight > 0}
    assert set(shared) == {"medtop:13000000", "medtop:16000000"}
    assert shared["medtop:13000000"] == pytest.approx(shared["medtop:16000000"])


def test_a_minority_beat_keeps_its_share_and_shares_sum_to_one(vectors):
    title = "Ministers meet in Geneva"
    body = (
        "The foreign ministers discussed the treaty and bilateral relations at the summit. "
        "Separately, militants attacked a convoy, killing soldiers."
    )
    topics = classify(title, body, vectors)
    top_level = {topic.code: topic.score for topic in topics if topic.code.endswith("000000")}
    assert _codes(topics)[0] == "medtop:11000000"
    assert top_level["medtop:16000000"] >= 0.2
    # Only beats holding a tenth of the evidence are listed, so the listed shares sum to at most one.
    assert math.fsum(top_level.values()) <= 1.001
    assert all(score >= 0.1 for score in top_level.values())


def test_text_without_any_beat_word_has_no_topic(vectors):
    assert classify(None, "the and of", vectors) == []
    assert classify("", "", vectors) == []


def test_a_story_that_is_sport_only_by_a_hair_is_no_sports_story():
    """Towns are clubs only in a clear sports story: a supermoon seen "from New York to Las Vegas", whose words
    lean to sport by a hair, keeps its cities as places."""
    arts = Topic(code="medtop:01000000", label="arts, culture, entertainment and media", score=0.13)
    assert a_sports_story([Topic(code=SPORT, label="sport", score=0.55), arts])
    assert not a_sports_story([Topic(code=SPORT, label="sport", score=0.16), arts])
    assert not a_sports_story([arts, Topic(code=SPORT, label="sport", score=0.12)])
    assert not a_sports_story([])
