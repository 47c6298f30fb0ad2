"""The group stage's core: learned boilerplate, duplicates and stories over a bounded store; replays change
nothing, and a restarted grouper knows what the store holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas import RawArticle
from services.processor.boilerplate import BoilerplateLearner, BoilerplateSettings
from services.processor.clean import clean
from services.processor.duplicates import DuplicateSettings
from services.processor.grouping import Grouped, Grouper, Groupers, GroupSettings, partition_key
from services.processor.stories import StorySettings

FOOTER = "About Agency: the leading wire service of the region, with bureaus in 40 cities."
DAY = 86400.0
T0 = datetime(2024, 2, 15, tzinfo=UTC)


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


def test_a_source_heard_from_least_recently_is_forgotten_past_the_bound():
    store: dict[str, Any] = {}
    learner = BoilerplateLearner(store, BoilerplateSettings(max_sources=2))
    for source in ("a", "b", "a", "c"):
        learner.strip(source, f"{source}{len(store)}", _story(1))
    assert set(store) == {"a", "c"}
    restored = BoilerplateLearner(store, BoilerplateSettings(max_sources=2))  # after a restart: the same order
    restored.strip("d", "d9", _story(1))
    assert set(store) == {"c", "d"}, "a, heard from before c, goes first"


WIRE = (
    "Rescue teams in Kathmandu searched on Tuesday for dozens of people missing after a landslide buried "
    "homes in the hills north of the capital, officials said, as heavy monsoon rain continued to fall. "
    "The army deployed helicopters to reach villages cut off by the slide, and the government promised "
    "relief for families who lost their homes. Forecasters expect more rain later this week."
)
TOKYO = "Markets rose in Tokyo as exporters gained on a weaker yen and upbeat earnings from Toyota and Sony."


def _article(url: str, text: str, hours: float, title: str = "Landslide near Kathmandu"):
    return clean(RawArticle(url=url, title=title, text=text, published_at=T0 + timedelta(hours=hours)))


def _assign(grouper: Grouper, url: str, text: str, hours: float, title: str = "Landslide near Kathmandu"):
    return grouper.assign(_article(url, text, hours, title)).article


def test_exact_and_near_copies_point_at_the_first_article_and_join_its_story():
    grouper = Grouper()
    first = _assign(grouper, "https://wire.example/1", WIRE, 0)
    exact = _assign(grouper, "https://paper.example/1", WIRE, 1)
    edited = _assign(
        grouper,
        "https://other.example/1",
        WIRE.replace("Forecasters expect more rain later this week.", "More rain is due."),
        2,
    )
    assert first.duplicate_of is None
    assert exact.duplicate_of == edited.duplicate_of == first.id
    assert exact.story_id == edited.story_id == first.story_id == first.id


def test_a_copy_published_earlier_than_those_it_arrived_after_becomes_their_original():
    grouper = Grouper()
    later = _assign(grouper, "https://wire.example/1", WIRE, 5)
    copy = _assign(grouper, "https://paper.example/1", WIRE, 6)
    earlier = _assign(grouper, "https://agency.example/1", WIRE, 1)
    assert copy.duplicate_of == later.id and later.duplicate_of is None, "as it looked before the earlier one came"
    assert earlier.duplicate_of is None and earlier.supersedes == later.id, "the index re-points later's copies"
    assert earlier.story_id == later.story_id
    # From now on the earliest is the original of every copy, whatever order the rest arrives in.
    assert grouper.duplicates.known(later.id)["d"] == grouper.duplicates.known(copy.id)["d"] == earlier.id
    another = _assign(grouper, "https://radio.example/1", WIRE, 7)
    assert another.duplicate_of == earlier.id and another.supersedes is None


def test_a_different_article_is_neither_a_duplicate_nor_in_the_story():
    grouper = Grouper()
    _assign(grouper, "https://wire.example/1", WIRE, 0, title="Landslide in Nepal buries homes near Kathmandu")
    other = _assign(grouper, "https://wire.example/2", TOKYO, 1, title="Tokyo stocks rise as yen weakens")
    assert other.duplicate_of is None and other.story_id == other.id


def test_articles_of_one_story_share_a_story_id_without_being_duplicates():
    grouper = Grouper()
    first = _assign(grouper, "https://wire.example/1", WIRE, 0, title="Landslide in Nepal buries homes near Kathmandu")
    follow_up = _assign(
        grouper,
        "https://paper.example/2",
        "Nepal's army said on Wednesday it had recovered twelve bodies from the Kathmandu landslide, "
        "while helicopters kept searching remote villages for survivors.",
        24,
        title="Nepal landslide: army recovers bodies near Kathmandu",
    )
    assert follow_up.duplicate_of is None
    assert follow_up.story_id == first.id


def test_copies_outside_the_duplicate_window_are_new_articles_and_old_entries_expire():
    grouper = Grouper(settings=GroupSettings(duplicates=DuplicateSettings(window_s=7 * DAY)))
    first = _assign(grouper, "https://wire.example/1", WIRE, 0)
    late = _assign(grouper, "https://paper.example/1", WIRE, 8 * 24)
    assert late.duplicate_of is None
    assert grouper.duplicates.expire(now=(T0 + timedelta(days=8)).timestamp()) == 1
    assert first.id not in grouper.duplicates.entries
    again = _assign(grouper, "https://third.example/1", WIRE, 8 * 24 + 1)
    assert again.duplicate_of == late.id


def test_assigning_an_article_again_returns_the_first_answer_and_writes_nothing():
    store: dict[str, Any] = {}
    grouper = Grouper(store)
    _assign(grouper, "https://wire.example/1", WIRE, 0)
    first = _assign(grouper, "https://paper.example/1", WIRE, 1)
    snapshot = repr(store)
    again = _assign(grouper, "https://paper.example/1", WIRE, 1)
    assert (again.duplicate_of, again.story_id, again.body) == (first.duplicate_of, first.story_id, first.body)
    assert repr(store) == snapshot


def test_a_grouper_rebuilt_from_its_store_knows_every_article_and_story():
    """A restarted worker, or the next owner of the partition, restores the store from the changelog."""
    store: dict[str, Any] = {}
    first = _assign(
        Grouper(store), "https://wire.example/1", WIRE, 0, title="Landslide in Nepal buries homes near Kathmandu"
    )
    rebuilt = Grouper(store)
    assert _assign(rebuilt, "https://paper.example/1", WIRE, 1).duplicate_of == first.id
    follow_up = _assign(
        rebuilt, "https://paper.example/2",
        "Nepal's army recovered twelve bodies from the Kathmandu landslide; helicopters searched villages.", 24,
        title="Nepal landslide: army recovers bodies near Kathmandu",
    )  # fmt: skip
    assert follow_up.story_id == first.id


def test_what_a_grouper_holds_is_bounded_however_many_articles_come():
    settings = GroupSettings(duplicates=DuplicateSettings(max_articles=20), stories=StorySettings(max_stories=10))
    store: dict[str, Any] = {}
    grouper = Grouper(store, settings)
    for number in range(60):
        _assign(grouper, f"https://wire.example/{number}", f"Unrelated report number {number} " + TOKYO, number,
                title=f"Report {number} on topic{number} zebra{number}")  # fmt: skip
    assert len(grouper.duplicates.entries) == 20 and len(grouper.stories.stories) == 10
    assert len(store) <= 20 + 10 + 1
    # The newest are the ones held, after a restart too, in the order they will be forgotten in.
    rebuilt = Grouper(dict(store), settings)
    assert rebuilt.stories.held.keys_of(rebuilt.stories) == grouper.stories.held.keys_of(grouper.stories)


def _bilingual(count: int) -> list[Any]:
    """Reports alternating between English and German (one partition can carry both), from ten outlets."""
    return [
        _article(f"https://outlet{number % 10}.example/{number}", f"Unrelated report number {number} " + TOKYO,
                 number, title=f"Report {number} on topic{number} zebra{number}")
        .model_copy(update={"language": "de" if number % 2 else "en"})
        for number in range(count)
    ]  # fmt: skip


def test_the_languages_of_a_partition_share_its_bounds():
    """A worker's memory is bounded by its partitions, however many languages they happen to carry."""
    settings = GroupSettings(
        boilerplate=BoilerplateSettings(max_sources=4),
        duplicates=DuplicateSettings(max_articles=20),
        stories=StorySettings(max_stories=10),
    )
    store: dict[str, Any] = {}
    groupers = Groupers(store, settings)
    for article in _bilingual(60):
        groupers.assign(article)
    assert set(groupers.by_language) == {"en", "de"}
    kinds = [key.split("|", 1)[1][:2] for key in store]
    assert (kinds.count("a/"), kinds.count("s/"), kinds.count("b/")) == (20, 10, 4)
    newest = {article.id for article in _bilingual(60)[-20:]}
    assert {key.split("/", 1)[1] for key in store if "|a/" in key} == newest, "the oldest went, in both languages"


def test_a_partition_restored_mid_stream_assigns_and_forgets_what_an_unbroken_run_does():
    settings = GroupSettings(duplicates=DuplicateSettings(max_articles=20), stories=StorySettings(max_stories=10))
    articles = _bilingual(40)
    later = timedelta(hours=50)
    articles += [
        article.model_copy(update={"id": f"{number:032x}", "published_at": article.published_at + later})
        for number, article in enumerate(articles[20:])
    ]  # copies of the held ones, two days on
    unbroken_store: dict[str, Any] = {}
    unbroken = Groupers(unbroken_store, settings)
    expected = [unbroken.assign(article).article for article in articles]
    store: dict[str, Any] = {}
    first = Groupers(store, settings)
    got = [first.assign(article).article for article in articles[:30]]
    restored = Groupers(dict(store), settings)  # the next owner, from the changelog
    got += [restored.assign(article).article for article in articles[30:]]
    assert [(a.duplicate_of, a.story_id) for a in got] == [(a.duplicate_of, a.story_id) for a in expected]
    assert any(a.duplicate_of for a in expected[40:]), "copies of held articles are found after the restart"
    assert restored.store == unbroken_store


def test_two_stories_an_article_ties_together_merge_into_the_older():
    grouper = Grouper(settings=GroupSettings(stories=StorySettings(threshold=0.2, merge_threshold=0.2)))
    a = _assign(
        grouper, "https://a.example/1", "Harambe the gorilla was shot at the zoo.", 0, title="Gorilla Harambe shot dead"
    )
    b = _assign(
        grouper,
        "https://b.example/1",
        "Cincinnati officials defended the decision.",
        1,
        title="Cincinnati Zoo defends decision",
    )
    assert a.story_id != b.story_id
    joined = grouper.assign(
        _article(
            "https://c.example/1",
            "Harambe was shot at the Cincinnati Zoo.",
            2,
            title="Cincinnati Zoo defends shooting of gorilla Harambe",
        )
    )
    assert joined.article.story_id == a.story_id and joined.merged == (b.story_id,)
    assert grouper.stories.resolve(b.story_id) == a.story_id


def test_articles_split_by_partition_key_are_grouped_as_one_worker_would_and_languages_apart():
    """news.clean is keyed by language: however its partitions are shared out, each language's articles
    meet their grouper in the same order."""
    english = [_article(f"https://wire.example/{n}", WIRE if n % 2 else TOKYO, n) for n in range(6)]
    german = [
        clean(RawArticle(url=f"https://de.example/{n}", title="Erdrutsch in Nepal", language_hint="de",
                         text="Rettungskräfte suchten am Dienstag in Kathmandu nach Vermissten. " * 4,
                         published_at=T0 + timedelta(hours=n)))
        for n in range(3)
    ]  # fmt: skip
    assert {partition_key(a) for a in english} == {b"en"} and {partition_key(a) for a in german} == {b"de"}
    together = Groupers()
    one = [together.assign(article).article for article in [*english, *german]]
    apart = {key: Groupers() for key in (b"en", b"de")}
    split = [apart[partition_key(article)].assign(article).article for article in [*english, *german]]
    assert [(a.duplicate_of, a.story_id) for a in one] == [(a.duplicate_of, a.story_id) for a in split]
    assert not {a.story_id for a in one[:6]} & {a.story_id for a in one[6:]}, "a story stays in its language"


@pytest.mark.parametrize("bad", [b"not json", b'{"id": "x"}'])
def test_a_message_the_group_stage_cannot_read_becomes_a_dead_letter(bad: bytes):
    from services.processor.stages import group_message

    letter = group_message(bad, {"source_topic": "news.clean", "partition": 0, "offset": 3}, Groupers())
    assert not isinstance(letter, Grouped)
    assert letter.stage == "group" and letter.offset == 3


def test_the_band_index_finds_near_copies_forgets_what_it_is_told_and_keeps_buckets_small():
    from services.processor.duplicates import BandIndex, DuplicateIndex

    index = DuplicateIndex({})
    wire, edited = index.signature(WIRE), index.signature(WIRE.replace("more rain", "heavier rain"))
    other = index.signature(TOKYO)
    bands = BandIndex(0.8, 128)
    bands.insert("wire", wire.hashvalues)
    bands.insert("again", wire.hashvalues)
    assert bands.query(edited.hashvalues) >= {"wire", "again"} and not bands.query(other.hashvalues)
    bands.remove("again", wire.hashvalues)
    assert bands.query(wire.hashvalues) == {"wire"}
    assert all(value == "wire" for table in bands.bands for value in table.values()), "a lone id is no list"
    bands.remove("wire", wire.hashvalues)
    assert not any(bands.bands), "nothing is left behind"
