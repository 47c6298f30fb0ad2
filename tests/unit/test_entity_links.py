"""Which links the indexer draws between entities of different articles (pure parts of entity_links.py)."""

from __future__ import annotations

from services.indexer.entity_links import Link, acronym_links, pointed, surname_links


def _entity(name: str, kind: str, *aliases: str, id: str | None = None) -> dict:
    from schemas import EntityType, entity_id

    return {"id": id or entity_id(EntityType(kind), name), "name": name, "type": kind, "aliases": list(aliases)}


def test_an_organisation_named_with_its_acronym_teaches_the_acronyms_link():
    council = _entity("Supreme National Security Council", "organization", "SNSC", "Iran's council")
    (link,) = acronym_links([council, _entity("Ali Shamkhani", "person", "Shamkhani")])
    assert link == Link("organization:snsc", "organization:supreme-national-security-council",
                        "Supreme National Security Council", "SNSC", "organization")  # fmt: skip
    assert list(acronym_links([_entity("Tehran Times", "organization", "TEHRAN")])) == [], "not its initials"
    assert list(acronym_links([_entity("Bank of England", "organization", "BOE")])) == [], "BoE spells otherwise"


def test_a_surname_alone_links_to_the_one_fuller_person_of_its_story():
    entities = [_entity("Ali Shamkhani", "person"), _entity("Shamkhani", "person"), _entity("Khamenei", "person"),
                _entity("Ali Khamenei", "person"), _entity("Mojtaba Khamenei", "person")]  # fmt: skip
    (link,) = surname_links("story-1", entities)
    assert (link.source, link.target, link.name, link.story) == (
        "person:shamkhani",
        "person:ali-shamkhani",
        "Ali Shamkhani",
        "story-1",
    ), "Khamenei has two fuller persons in the story: it stays as it is"
    assert surname_links("story-1", [_entity("Shamkhani", "person")]) == [], "nobody fuller"


def test_pointing_an_article_renames_its_entity_keeps_the_texts_form_and_fixes_the_flat_fields():
    link = Link("person:shamkhani", "person:ali-shamkhani", "Ali Shamkhani", "Shamkhani", "person", "story-1")
    stored = {"entities": [_entity("Shamkhani", "person"), _entity("Tehran", "location", id="geonames:112931")],
              "entity_ids": ["person:shamkhani", "geonames:112931"], "persons": ["Shamkhani"]}  # fmt: skip
    changes = pointed(stored, link)
    assert changes is not None
    assert changes["entities"][0] == {"id": "person:ali-shamkhani", "name": "Ali Shamkhani", "type": "person",
                                      "aliases": ["Shamkhani"], "mentions": 1, "salience": 0.0}  # fmt: skip
    assert changes["entities"][1] == stored["entities"][1]
    assert changes["entity_ids"] == ["geonames:112931", "person:ali-shamkhani"]
    assert changes["persons"] == ["Ali Shamkhani"]
    assert pointed({**stored, **changes}, link) is None, "applied once, nothing more to change"


def test_pointing_an_article_that_names_the_target_too_makes_one_entity_of_the_two():
    link = Link("organization:icc", "organization:international-criminal-court", "International Criminal Court",
                "ICC", "organization")  # fmt: skip
    court = {**_entity("International Criminal Court", "organization"), "mentions": 2, "salience": 0.5}
    bare = {**_entity("ICC", "organization"), "mentions": 3, "salience": 1.0}
    stored = {"entities": [bare, court], "entity_ids": [bare["id"], court["id"]],
              "organizations": ["ICC", "International Criminal Court"]}  # fmt: skip
    changes = pointed(stored, link)
    assert changes is not None
    (entity,) = changes["entities"]
    assert (entity["id"], entity["mentions"], entity["salience"], entity["aliases"]) == (
        "organization:international-criminal-court", 5, 1.0, ["ICC"])  # fmt: skip
    assert changes["entity_ids"] == ["organization:international-criminal-court"]
    assert changes["organizations"] == ["International Criminal Court"]


def test_two_spellings_of_one_fuller_person_still_link_the_surname():
    entities = [_entity("Recep Tayyip Erdoğan", "person"), _entity("Recep Tayyip Erdogan", "person", id=None),
                _entity("Erdogan", "person")]  # fmt: skip
    (link,) = surname_links("story-1", entities)
    assert (link.source, link.target) == ("person:erdogan", "person:recep-tayyip-erdogan")
