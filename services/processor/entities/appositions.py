"""The common noun before a name says what it is, the way newsrooms introduce a name their reader may not know:
``the newspaper Chosun Ilbo``, ``research firm IDC``, ``case maker Olixar`` (organisations); ``the village of
Nabi Saleh``, ``the port of Yeosu`` (places). It holds for names the model never saw, where it errs most."""

from __future__ import annotations

import re

from schemas import EntityType
from services.processor.entities.mention import Mention
from services.processor.entities.vocabulary import (
    NOT_A_PLACE_AFTER,
    ORGANIZATION_NOUNS,
    PLACE_NOUNS,
    PLACE_NOUNS_AFTER,
    TITLES,
    VENUE_NOUNS_AFTER,
)
from services.processor.places import is_place

# One to four capitalised words (an acronym, "CoinDesk", "B’nai", "St."), on one line; a full stop ends it.
_WORD = r"(?:St\.|Mt\.|[A-Z][\w&'’-]*)"
_NAME = rf"{_WORD}(?:[ \t]+{_WORD}){{0,3}}"
_NOUN_BEFORE = re.compile(r"(?<![\w-])([a-z][a-z-]+)[ \t]+$")
_PLACE_NOUN_OF_BEFORE = re.compile(r"(?<![\w-])([a-z]+)[ \t]+of[ \t]+$")
_DESCRIBED = re.compile(
    rf"(?<![\w-])(?P<noun>{'|'.join(sorted(ORGANIZATION_NOUNS | PLACE_NOUNS, key=len, reverse=True))})"
    rf"(?P<of>[ \t]+of)?[ \t]+(?P<name>{_NAME})"
)
# After a name, what shows it goes on past where capitals end ("band TV on the Radio", "group Fathers 4 Justice").
_NAME_GOES_ON = re.compile(
    r"[ \t]+(?:(?:of|and|for|de|&)[ \t]+(?:the[ \t]+)?[A-Z]|(?:on|in|at)[ \t]+the[ \t]+[A-Z]|\d)"
)


_PLACE_NOUN_AFTER = re.compile(
    rf"[ \t]+(?:(?:military|international|high-security|maximum-security)[ \t]+)?"  # "Ofer military prison"
    rf"(?P<noun>{'|'.join(sorted(PLACE_NOUNS_AFTER))})\b(?!-|[ \t]+(?:{'|'.join(NOT_A_PLACE_AFTER)})\b)"
)


def _trimmed(name: str) -> str:
    return name.rstrip("'’")


def described_type(text: str, mention: Mention) -> EntityType | None:
    """The type the noun before the name gives it (``maker Olixar``, ``port of Yeosu``); None when none does."""
    window = max(0, mention.start - 32)
    noun = _NOUN_BEFORE.search(text, window, mention.start)
    if noun and noun.group(1) in ORGANIZATION_NOUNS:
        return EntityType.ORGANIZATION
    noun_of = _PLACE_NOUN_OF_BEFORE.search(text, window, mention.start)
    if noun_of and noun_of.group(1) in PLACE_NOUNS:
        return EntityType.LOCATION
    return None


def a_place_by_the_noun_after(text: str, mention: Mention) -> bool:
    """Whether a place's noun follows the name (``Ofer military prison``): not after a demonym ("Malian desert
    blues"), an acronym ("the ATP circuit") or a hyphen ("pro-Assad district"), nor before a noun that makes the
    whole a thing ("the Netflix prison drama"); for an organisation the model saw, only a venue's noun."""
    hyphenated = 0 < mention.start <= len(text) and text[mention.start - 1] == "-"
    if hyphenated or mention.label == "NORP" or mention.text.isupper():
        return False
    after = _PLACE_NOUN_AFTER.match(text, mention.start + len(mention.text))
    return after is not None and (mention.label != "ORG" or after.group("noun") in VENUE_NOUNS_AFTER)


# What may follow a name in apposition, where a clause would go on with its verb: "the satirical weekly Charlie
# Hebdo and a supermarket", "his blog Spundart, where …" — not "the club Neymar joined", "the company Musk says
# will …", nor a list ("the band Lennon, McCartney …").
_APPOSITION_ENDS = re.compile(r"['’]?[ \t]*(?:[.;:)]|,(?![ \t]+[A-Z])|(?:and|or)\b)")
# A publication's noun after its name: "South Korea's Chosun Ilbo newspaper published …".
_PUBLICATION_AFTER = re.compile(r"[ \t]+(?:newspaper|magazine|tabloid|broadcaster|website|blog)\b")


def a_name_in_apposition(text: str, mention: Mention) -> bool:
    """Whether the name ends where an apposition does (a comma, "and", "said"), so the noun before it names it
    even against the model's person."""
    return _APPOSITION_ENDS.match(text, mention.start + len(mention.text)) is not None


def a_publication_by_the_noun_after(text: str, mention: Mention) -> bool:
    """Whether a publication's noun follows the name: "the Chosun Ilbo newspaper", not "the pro-Trump website"."""
    hyphenated = 0 < mention.start <= len(text) and text[mention.start - 1] == "-"
    return not hyphenated and _PUBLICATION_AFTER.match(text, mention.start + len(mention.text)) is not None


_THE_BEFORE = re.compile(r"(?<![\w-])[Tt]he[ \t]+$")
_REPORTS_AFTER = re.compile(r"[ \t]+(?:reports|reported)\b")  # not "wrote": "the Obamas wrote", "The Rock wrote"


def a_publication_reporting(text: str, mention: Mention) -> bool:
    """Whether "the" goes before the name and a reporting verb after it: "The Chosun Ilbo reports", which no
    person's name is written as."""
    the = _THE_BEFORE.search(text, max(0, mention.start - 5), mention.start)
    return the is not None and _REPORTS_AFTER.match(text, mention.start + len(mention.text)) is not None


def described_names(text: str, covered: list[tuple[int, int]]) -> list[tuple[str, str, int]]:
    """(text, label, start) of names the model did not tag that the noun before them types."""
    found = []
    for match in _DESCRIBED.finditer(text):
        noun, name, start = match.group("noun"), _trimmed(match.group("name")), match.start("name")
        place = noun in PLACE_NOUNS
        if place != bool(match.group("of")):
            continue  # "the town Hall", "a group of Israeli settlers": a place is "town of X", a company "firm X"
        if len(name) < 2 or name.split()[0].lower() in TITLES or _NAME_GOES_ON.match(text, start + len(name)):
            continue  # "the club I …", "the party Leader"; a name going on in lower case, its end unknown
        if any(start < end and begin < start + len(name) for begin, end in covered) or (not place and is_place(name)):
            continue
        found.append((name, "GPE" if place else "ORG", start))
    return found
