"""The type a name has in its sentence, when the model's label is not it: a title makes a person, a place
the gazetteer knows is a place, a town with a score (or in a sports story) is its club."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from schemas import EntityType
from services.processor.entities.mention import Mention
from services.processor.entities.tables import playing, venue
from services.processor.entities.vocabulary import PERSON_TITLES
from services.processor.places import fold, is_place, locate


def is_country(name: str) -> bool:
    place = locate(name)
    return place is not None and place.is_country


def titled(text: str, mention: Mention) -> bool:
    """Whether a title stands before the name, in the mention (``President Clinton``) or just before it."""
    words = text[max(0, mention.start - 20) : mention.start].split()[-1:] + mention.text.split()[:1]
    return any(word.lower().rstrip(".") in PERSON_TITLES for word in words)


@dataclass(frozen=True)
class TypeContext:
    """What the whole article says about its names, read once before any mention is typed."""

    text: str
    sport: bool
    persons: frozenset[str]  # names (and their last words) the text gives a person
    surnames: frozenset[str]  # last words of the persons' full names

    @classmethod
    def of(
        cls, cleaned: Sequence[tuple[Mention, tuple[str, EntityType]]], text: str, *, sport: bool = False
    ) -> TypeContext:
        # Names this text gives a person (``President Clinton``, ``Bill Clinton``): the gazetteer's town of
        # Clinton must not turn them into places.
        persons = frozenset(
            fold(part)
            for mention, (name, entity_type) in cleaned
            if entity_type is EntityType.PERSON and (titled(text, mention) or not is_place(name))
            for part in (name, name.split()[-1])
        )
        surnames = frozenset(
            fold(name.split()[-1])
            for _, (name, entity_type) in cleaned
            if entity_type is EntityType.PERSON and " " in name
        )
        return cls(text, sport, persons, surnames)

    def type_of(self, mention: Mention, name: str, entity_type: EntityType) -> tuple[EntityType, bool]:
        """The mention's type here, and whether it is a club named after its town."""
        one_word_person = entity_type is EntityType.PERSON and " " not in name and fold(name) not in self.surnames
        if one_word_person and playing(self.text, mention):
            entity_type = EntityType.ORGANIZATION  # one word with a score after it, nobody's surname: a team
        taken_for_person = entity_type is EntityType.PERSON and fold(name) not in self.persons
        if (taken_for_person or entity_type is EntityType.ORGANIZATION) and is_place(name):
            entity_type = EntityType.LOCATION  # a place the model took for a person or an organisation
        club = (
            entity_type is EntityType.LOCATION
            and (playing(self.text, mention) or (self.sport and not venue(self.text, mention)))
            and not is_country(name)
        )
        return (EntityType.ORGANIZATION if club else entity_type), club
