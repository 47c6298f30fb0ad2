"""What a careful reader lists from the two Iran Press wire stories: people without titles, one council
with its acronym, places on the map, the Solar Hijri date, the beat."""

from __future__ import annotations

import pytest

from schemas import EnrichedArticle, EntityType
from services.fetcher.inputs import read_file
from services.processor.clean import clean
from services.processor.enrich import enrich_batch, subscription_codes
from services.processor.settings import ProcessorSettings
from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def seeds() -> dict[str, EnrichedArticle]:
    raws = [item for path in sorted(SAMPLES.glob("*.txt")) for item in read_file(path)]
    articles = enrich_batch([clean(raw) for raw in raws])  # type: ignore[arg-type]
    return {("bishkek" if "bishkek-security" in a.url else "tehran"): a for a in articles}


def _names(article: EnrichedArticle, entity_type: EntityType) -> set[str]:
    return {entity.name for entity in article.entities if entity.type is entity_type}


def test_people_are_named_in_full_without_titles_or_stray_surnames(seeds):
    assert _names(seeds["tehran"], EntityType.PERSON) == {"Ali Shamkhani", "Talaatbek Mossadeghov"}
    assert _names(seeds["bishkek"], EntityType.PERSON) == {"Ali Akbar Ahmadian", "Marat Imankulov"}
    shamkhani = next(e for e in seeds["tehran"].entities if e.name == "Ali Shamkhani")
    # Three times in the body, once in the related headline "Iran's Shamkhani discuss ties with Kyrgyz counterpart".
    assert shamkhani.mentions == 4 and "Shamkhani" in shamkhani.aliases


def test_the_council_is_one_organisation_known_by_its_acronym(seeds):
    council = next(e for e in seeds["tehran"].entities if e.name == "Supreme National Security Council")
    assert council.type is EntityType.ORGANIZATION and "SNSC" in council.aliases
    assert "SNSC" not in {e.name for e in seeds["tehran"].entities}
    assert not {"Iran Press", "IP", "Representative", "Rear Admiral"} & {e.name for e in seeds["tehran"].entities}


@pytest.mark.parametrize(
    ("story", "place", "lat", "lon", "country"),
    [
        ("tehran", "Tehran", 35.69, 51.42, "IR"),
        ("tehran", "Bishkek", 42.87, 74.59, "KG"),
        ("tehran", "Bandar Abbas", 27.19, 56.28, "IR"),  # named only in a related headline: low salience
        ("bishkek", "Bishkek", 42.87, 74.59, "KG"),
    ],
)
def test_places_are_on_the_map(seeds, story, place, lat, lon, country):
    (entity,) = [e for e in seeds[story].entities if e.name == place]
    assert entity.type is EntityType.LOCATION and entity.geo is not None
    assert (round(entity.geo.lat, 2), round(entity.geo.lon, 2), entity.geo.country_code) == (lat, lon, country)


def test_one_country_under_several_names_is_one_entity(seeds):
    iran = next(e for e in seeds["bishkek"].entities if e.name == "Iran")
    assert "Islamic Republic of Iran" in iran.aliases and iran.geo and iran.geo.country_code == "IR"


def test_the_solar_hijri_date_is_the_gregorian_day(seeds):
    persian = [d for d in seeds["bishkek"].dates if d.calendar == "persian"]
    assert [(d.text, d.date.isoformat()) for d in persian] == [("26 Bahman 1402", "2024-02-15")]


def test_both_stories_are_politics_first_and_conflict_is_seen(seeds):
    assert seeds["tehran"].topics[0].code == seeds["bishkek"].topics[0].code == "medtop:11000000"
    assert "medtop:16000000" in {t.code for t in seeds["bishkek"].topics}
    for story in seeds.values():  # second level: international relations (diplomacy)
        assert "medtop:20000638" in {t.code for t in story.topics}
    assert all(0 < t.score <= 1 for t in seeds["bishkek"].topics)


def test_both_stories_reach_the_politics_and_the_conflict_streams_at_the_default_threshold(seeds):
    threshold = ProcessorSettings().enrich_subscription_threshold
    for story in seeds.values():  # a subscriber to conflict articles naming Afghanistan gets both
        assert {"medtop:11000000", "medtop:16000000"} <= set(subscription_codes(story, threshold))


def test_posts_stated_by_apposition_become_roles(seeds):
    def roles(story: str, name: str) -> list[tuple[str, str | None]]:
        entity = next(e for e in seeds[story].entities if e.name == name)
        return [(role.title, role.organization) for role in entity.roles]

    assert ("Secretary", "Supreme National Security Council") in roles("bishkek", "Ali Akbar Ahmadian")
    assert roles("bishkek", "Marat Imankulov") == [("Secretary", "Security Council of the Kyrgyz Republic")]
    assert roles("tehran", "Talaatbek Mossadeghov") == [
        ("Vice President and Chairman", "Kyrgyz National Security Council")
    ]
