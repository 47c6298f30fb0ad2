"""The rules that turn model mentions into entities, on hand-made mentions (no model needed)."""

from __future__ import annotations

import pytest

from schemas import EntityType
from services.processor.entities import Mention, acronyms_in, clean_name, resolve, truecase_shouting


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
