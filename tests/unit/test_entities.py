"""The rules that turn model mentions into entities, on hand-made mentions (no model needed)."""

from __future__ import annotations

import pytest

from schemas import EntityType
from services.processor.entities import (
    Mention,
    acronyms_in,
    clean_name,
    entity_spans,
    load_pipeline,
    resolve,
    truecase_shouting,
)
from tests.conftest import SAMPLES


@pytest.mark.parametrize(
    ("text", "label", "expected"),
    [
        ("Rear Admiral Ali Shamkhani", EntityType.PERSON, ("Ali Shamkhani", EntityType.PERSON)),
        ("President Ebrahim Raisi's", EntityType.PERSON, ("Ebrahim Raisi", EntityType.PERSON)),
        ("the Supreme National Security Council", EntityType.ORGANIZATION,
         ("Supreme National Security Council", EntityType.ORGANIZATION)),
        ("Rear Admiral Shamkhani", EntityType.ORGANIZATION, ("Shamkhani", EntityType.PERSON)),
        ("Representative", EntityType.LOCATION, None),
        ("Minister of Foreign Affairs", EntityType.ORGANIZATION, None),
        ("Iran Press", EntityType.ORGANIZATION, None),
        ("Kyrgyz\u00a0Republic", EntityType.LOCATION, ("Kyrgyz Republic", EntityType.LOCATION)),
        ("the U.S.", EntityType.LOCATION, ("U.S.", EntityType.LOCATION)),  # the full stop is the name's
        ("G. Kersey 63", EntityType.PERSON, ("G. Kersey", EntityType.PERSON)),  # a results table's score
    ],
)  # fmt: skip
def test_names_lose_titles_articles_possessives_and_agencies(text, label, expected):
    assert clean_name(text, label) == expected


def test_acronyms_defined_by_the_text_are_found_with_their_exact_expansion():
    text = "Iran's Supreme National Security Council (SNSC) met the IAEA (International Atomic Energy Agency)."
    assert acronyms_in(text) == {
        "SNSC": "Supreme National Security Council",
        "IAEA": "International Atomic Energy Agency",
    }


def test_mentions_of_one_person_and_one_place_merge_and_the_gazetteer_fixes_types():
    text = "Talaatbek Mossadeghov visited Bishkek. Mossadeghov said Bishkek was ready."
    mentions = [
        Mention("Talaatbek Mossadeghov", "PERSON", 0, 3.0),
        Mention("Bishkek", "GPE", 30),
        Mention("Mossadeghov", "PERSON", 39),
        Mention("Bishkek", "PERSON", 56),  # the model's mistake
    ]
    entities = {entity.name: entity for entity in resolve(mentions, text)}
    assert set(entities) == {"Talaatbek Mossadeghov", "Bishkek"}
    assert entities["Talaatbek Mossadeghov"].aliases == ["Mossadeghov"]
    assert entities["Talaatbek Mossadeghov"].salience == 1.0 and entities["Bishkek"].salience < 1.0
    assert entities["Bishkek"].type is EntityType.LOCATION and entities["Bishkek"].mentions == 2


def test_two_people_sharing_a_surname_keep_the_surname_apart():
    mentions = [Mention("Ali Khamenei", "PERSON", 0), Mention("Mojtaba Khamenei", "PERSON", 20),
                Mention("Khamenei", "PERSON", 40)]  # fmt: skip
    assert {e.name for e in resolve(mentions, "")} == {"Ali Khamenei", "Mojtaba Khamenei", "Khamenei"}


def test_shouted_headlines_take_the_case_the_text_uses():
    headline = truecase_shouting("JAPAN BEAT SYRIA IN ASIAN CUP\nJapan beat Syria.").split("\n")[0]
    assert headline == "Japan beat Syria In Asian Cup", "words the text writes in lower case stay so"


def _mentions_in(text: str, *spans: tuple[str, str]) -> list[Mention]:
    return [Mention(name, label, text.index(name)) for name, label in spans]


def test_a_name_the_text_gives_a_person_stays_a_person_though_a_town_has_it():
    text = "President Clinton spoke. Clinton said the tax plan would pass."
    mentions = [Mention("Clinton", "PERSON", 10), Mention("Clinton", "PERSON", 25)]
    (entity,) = resolve(mentions, text)
    assert (entity.name, entity.type) == ("Clinton", EntityType.PERSON)
    bare = "Officials in Clinton said the road was closed."
    assert resolve([Mention("Clinton", "PERSON", 13)], bare)[0].type is EntityType.LOCATION, "no person: the town"


def test_towns_in_results_lines_are_their_clubs_and_countries_stay_places():
    text = "Results\nSeattle 9 Baltimore 6\nSurrey beat Warwickshire by an innings.\nJapan 2 Syria 1\nSeattle is rainy."
    mentions = _mentions_in(text, ("Seattle", "GPE"), ("Baltimore", "GPE"), ("Surrey", "GPE"),
                            ("Warwickshire", "GPE"), ("Japan", "GPE"), ("Syria", "GPE"))  # fmt: skip
    types = {entity.name: entity.type for entity in resolve(mentions, text)}
    assert types == {"Seattle": EntityType.ORGANIZATION, "Baltimore": EntityType.ORGANIZATION,
                     "Surrey": EntityType.ORGANIZATION, "Warwickshire": EntityType.ORGANIZATION,
                     "Japan": EntityType.LOCATION, "Syria": EntityType.LOCATION}  # fmt: skip
    datelines = ["Kabul 15 February 2024 - 30 people died.", "Tehran 26 Bahman 1402 - 30 people met."]
    for prose in ["The Seattle council met 3 times in 2024.", *datelines]:
        city = prose.split()[1] if prose.startswith("The") else prose.split()[0]
        assert resolve(_mentions_in(prose, (city, "GPE")), prose)[0].type is EntityType.LOCATION, prose


def test_entity_spans_read_from_the_tag_array_are_the_models_own():
    nlp = load_pipeline()
    texts = [path.read_text(encoding="utf-8") for path in sorted(SAMPLES.glob("*.txt"))]
    texts += ["", "Paris", "The U.N. met in New York. Ali Shamkhani (SNSC) spoke", "NATO NATO NATO"]
    for doc in nlp.pipe(texts):
        expected = [(span.text, span.label_, span.start_char, span.end_char) for span in doc.ents]
        assert entity_spans(doc) == expected
