"""The gazetteer: the places news names, on the map, with the country they are in."""

from __future__ import annotations

import pytest

from schemas import EntityType
from services.processor.entities import Mention, resolve
from services.processor.places import is_named_place, is_place, locate


@pytest.mark.parametrize(
    ("name", "country", "is_country", "lat", "lon"),
    [
        ("Scotland", "GB", True, 56.1, -3.7),  # a nation of the UK: a country of its own in sport
        ("Wales", "GB", True, 51.9, -3.4),
        ("Wisconsin", "US", False, 43.4, -88.6),  # a US state, at the centre of its people
        ("Netherlands", "NL", True, 52.1, 5.2),  # GeoNames says "The Netherlands"
        ("Bishkek", "KG", False, 42.9, 74.6),
    ],
)
def test_regions_and_everyday_country_names_are_places_on_the_map(name, country, is_country, lat, lon):
    place = locate(name)
    assert place is not None and is_place(name)
    assert (place.geo.country_code, place.is_country) == (country, is_country)
    assert (round(place.geo.lat, 1), round(place.geo.lon, 1)) == (lat, lon)
    assert place.geo.geonames_id is not None


def test_a_city_named_like_a_state_is_the_city():
    washington, new_york = locate("Washington"), locate("New York")
    assert washington is not None and round(washington.geo.lon) == -77, "the capital, not the state"
    assert new_york is not None and new_york.name == "New York City"
    georgia = locate("Georgia")
    assert georgia is not None and georgia.geo.country_code == "GE", "a country before a state"


def test_a_word_no_gazetteer_lists_is_no_place():
    assert not is_place("Representative") and locate("Representative") is None


def test_one_place_has_one_geonames_id_under_all_its_everyday_names():
    ids = {name: locate(name).geo.geonames_id for name in ("UK", "Britain", "Great Britain", "United Kingdom")}
    assert len(set(ids.values())) == 1, ids
    assert len({locate(name).geo.geonames_id for name in ("US", "U.S.", "U.S", "America", "United States")}) == 1
    england = locate("England")
    assert england is not None and england.geo.geonames_id != ids["UK"], "England is a nation of the UK, not the UK"


def test_an_alternate_spelling_of_a_city_is_not_evidence_enough_to_retype_a_name():
    assert is_place("Google") and not is_named_place("Google"), "a city's alternate names hold brands"
    assert is_named_place("Bishkek") and is_named_place("Britain") and is_named_place("Wisconsin")


def test_the_aps_state_abbreviations_are_their_states_and_keep_their_full_stop():
    assert locate("Calif.").name == "California" and locate("Pa.").name == "Pennsylvania"
    assert locate("Wash.").name == "Washington" and not locate("Wash.").is_country  # the state, not the capital
    text = "Snow fell in Erie, Pa., and across Pennsylvania on Monday."
    mentions = [Mention("Pa.", "GPE", text.index("Pa.")), Mention("Pennsylvania", "GPE", text.index("Penn"))]
    (state,) = [entity for entity in resolve(mentions, text) if entity.type is EntityType.LOCATION]
    assert (state.name, state.aliases) == ("Pennsylvania", ["Pa."])
