"""Stories group an event's coverage from several outlets and keep other events apart."""

from __future__ import annotations

from services.processor.stories import DAY_S, StoryIndex, StorySettings, article_vector, rarity

T0 = 1_700_000_000.0


def test_rare_words_weigh_more_than_common_ones_and_reporting_words_nothing():
    assert rarity("harambe") > rarity("gorilla") > rarity("zoo") > rarity("the")
    assert rarity("said") == 0 and rarity("of") == 0


def test_headline_words_and_names_weigh_more_than_the_same_word_in_the_lead():
    vector = article_vector(
        "Gorilla shot at zoo", "A gorilla was shot. Officials in Cincinnati spoke.", StorySettings()
    )
    assert vector["gorilla"] > 3 * rarity("gorilla")  # headline (×3) plus its lead mention
    assert vector["cincinnati"] == rarity("cincinnati") * StorySettings().name_weight


def test_two_outlets_reporting_one_event_share_a_story_and_another_event_starts_its_own():
    stories = StoryIndex()
    first = stories.assign(
        "a", "Gorilla Harambe shot dead at Cincinnati Zoo after boy falls into enclosure",
        "Zoo officials in Cincinnati shot Harambe, a 17-year-old western lowland gorilla, after a boy fell in.",
        T0,
    )  # fmt: skip
    second = stories.assign(
        "b", "Cincinnati Zoo defends killing of Harambe the gorilla",
        "The director of the Cincinnati Zoo said shooting Harambe was the right call after a boy climbed in.",
        T0 + 3600,
    )  # fmt: skip
    other = stories.assign(
        "c", "Tourist ship strikes Rhine bridge near Duisburg",
        "A Swiss river cruise ship hit a pillar of a motorway bridge on the Rhine near Duisburg.", T0 + 7200,
    )  # fmt: skip
    assert first.story_id == second.story_id == "a"
    assert other.story_id == "c"
    assert stories.stories["a"].articles == 2 and stories.stories["a"].last_seen == T0 + 3600


def test_a_story_not_seen_within_the_window_takes_no_new_articles_and_is_forgotten():
    stories = StoryIndex(settings=StorySettings(window_s=2 * DAY_S))
    stories.assign("a", "Harambe the gorilla shot at Cincinnati Zoo", "Harambe was shot in Cincinnati.", T0)
    late = stories.assign("b", "Harambe the gorilla shot at Cincinnati Zoo", "Harambe, Cincinnati.", T0 + 3 * DAY_S)
    assert late.story_id == "b"
    assert stories.expire(T0 + 3 * DAY_S) == 1 and set(stories.stories) == {"b"}


def test_a_story_keeps_a_bounded_number_of_terms_however_many_articles_join():
    stories = StoryIndex(settings=StorySettings(story_terms=10))
    for number in range(30):
        stories.assign(f"a{number}", "Harambe gorilla Cincinnati zoo", f"Harambe word{number} Cincinnati.", T0)
    assert len(stories.stories) == 1
    assert len(stories.stories["a0"].centroid) <= 10
