"""Learned boilerplate and duplicate/story assignment: state in plain mappings, replays change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import RawArticle
from services.processor.boilerplate import BoilerplateLearner, BoilerplateSettings
from services.processor.clean import Cleaner, content_hash
from services.processor.duplicates import DuplicateIndex, DuplicateSettings

FOOTER = "About Agency: the leading wire service of the region, with bureaus in 40 cities."
DAY = 86400.0


def _story(n: int) -> str:
    return f"Story {n} reports on event number {n} in detail.\n\nA second paragraph about event {n}."


def test_a_paragraph_a_source_repeats_is_learned_and_stripped():
    learner = BoilerplateLearner({}, BoilerplateSettings(min_articles=5, min_share=0.3, min_count=3))
    for n in range(6):
        body, removed = learner.strip("agency", f"id{n}", f"{_story(n)}\n\n{FOOTER}")
        assert (removed, FOOTER in body) == ((0, True) if n < 5 else (1, False)), n
    body, removed = learner.strip("agency", "id6", f"{_story(6)}\n\n{FOOTER}")
    assert body == _story(6) and removed == 1


def test_sources_learn_separately_and_a_body_is_never_emptied():
    learner = BoilerplateLearner({}, BoilerplateSettings(min_articles=2, min_share=0.5, min_count=2))
    for n in range(3):
        learner.strip("a", f"a{n}", FOOTER)
    assert learner.strip("b", "b0", FOOTER) == (FOOTER, 0)
    assert learner.strip("a", "a9", FOOTER) == (FOOTER, 0)  # all of it recurs: keep it rather than nothing


def test_learning_the_same_article_twice_changes_nothing():
    store: dict[str, object] = {}
    learner = BoilerplateLearner(store, BoilerplateSettings(min_articles=2, min_share=0.5, min_count=2))
    learner.strip("a", "a1", _story(1))
    snapshot = repr(store)
    learner.strip("a", "a1", _story(1))
    assert repr(store) == snapshot


def _assign(index: DuplicateIndex, article_id: str, body: str, when: float, title: str = "Headline"):
    return index.assign(article_id, title, body, content_hash(body), when)


WIRE = (
    "Rescue teams in Kathmandu searched on Tuesday for dozens of people missing after a landslide buried "
    "homes in the hills north of the capital, officials said, as heavy monsoon rain continued to fall. "
    "The army deployed helicopters to reach villages cut off by the slide, and the government promised "
    "relief for families who lost their homes. Forecasters expect more rain later this week."
)


def test_exact_and_near_copies_point_at_the_first_article():
    index = DuplicateIndex({})
    first = _assign(index, "a", WIRE, 0.0)
    exact = _assign(index, "b", WIRE, 100.0)
    edited = _assign(
        index, "c", WIRE.replace("Forecasters expect more rain later this week.", "More rain is due."), 200
    )
    assert first.duplicate_of is None
    assert exact.duplicate_of == "a" and edited.duplicate_of == "a"
    assert exact.story_id == edited.story_id == first.story_id == "a"


def test_a_different_article_is_not_a_duplicate():
    index = DuplicateIndex({})
    _assign(index, "a", WIRE, 0.0, title="Landslide in Nepal buries homes near Kathmandu")
    other = _assign(
        index,
        "b",
        "Markets rose in Tokyo as exporters gained on a weaker yen and upbeat earnings from Toyota and Sony.",
        5.0,
        title="Tokyo stocks rise as yen weakens",
    )
    assert other.duplicate_of is None and other.story_id == "b"


def test_articles_of_one_story_share_a_story_id_without_being_duplicates():
    index = DuplicateIndex({})
    _assign(index, "a", WIRE, 0.0, title="Landslide in Nepal buries homes near Kathmandu")
    follow_up = _assign(
        index,
        "b",
        "Nepal's army said on Wednesday it had recovered twelve bodies from the Kathmandu landslide, "
        "while helicopters kept searching remote villages for survivors.",
        DAY,
        title="Nepal landslide: army recovers bodies near Kathmandu",
    )
    assert follow_up.duplicate_of is None
    assert follow_up.story_id == "a"


def test_copies_outside_the_window_are_new_articles_and_old_entries_expire():
    index = DuplicateIndex({}, DuplicateSettings(window_s=7 * DAY))
    _assign(index, "a", WIRE, 0.0)
    late = _assign(index, "b", WIRE, 8 * DAY)
    assert late.duplicate_of is None and late.story_id == "b"
    assert index.expire(now=8 * DAY) == 1
    assert set(index.signatures) == {"b"}
    again = _assign(index, "c", WIRE, 8 * DAY + 1)
    assert again.duplicate_of == "b"


def test_assigning_an_article_again_returns_the_first_answer():
    index = DuplicateIndex({})
    _assign(index, "a", WIRE, 0.0)
    first = _assign(index, "b", WIRE, 10.0)
    assert _assign(index, "b", WIRE, 10.0) == first


def test_the_cleaner_marks_a_syndicated_copy_from_another_source():
    cleaner = Cleaner()
    when = datetime(2024, 2, 15, tzinfo=UTC)
    original = cleaner(RawArticle(url="https://wire.example/1", title="Landslide", text=WIRE, published_at=when))
    copy = cleaner(
        RawArticle(
            url="https://paper.example/world/7", title="Landslide", text=WIRE, published_at=when + timedelta(hours=2)
        )
    )
    assert copy.duplicate_of == original.id
    assert copy.story_id == original.story_id == original.id


def test_an_index_rebuilt_from_its_stored_entries_knows_every_article():
    """A restarted worker, or another one, finds what was recorded before (the pipeline keeps the
    entries in a replicated map and feeds changes made elsewhere to ``remember``)."""
    entries: dict[str, Any] = {}
    _assign(DuplicateIndex(entries), "a", WIRE, 0.0)
    rebuilt = DuplicateIndex(entries)
    assert _assign(rebuilt, "b", WIRE, 10.0).duplicate_of == "a"
    elsewhere = DuplicateIndex({})
    elsewhere.remember("a", entries["a"])
    elsewhere.signatures["a"] = entries["a"]
    assert _assign(elsewhere, "c", WIRE, 20.0).duplicate_of == "a"
