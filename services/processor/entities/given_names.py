"""Persons by how their names are made: a given name, then a surname no dictionary word is ("Chrissy Teigen",
"Wilson Kipketer", "Thomas de Maiziere"). The model guesses at names it never saw in training and often calls them
organisations; a company named after its founder ("Johnson Controls", "Warner Bros") ends in a common word, and
the famous ones ("Morgan Stanley") end in one the model's vocabulary knows."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING

from services.processor.entities.vocabulary import NAME_PARTICLES, ORG_HEADS, TITLES
from services.processor.places import is_country, is_place

if TYPE_CHECKING:
    from spacy.vocab import Vocab


# Words Faker lists as given names that head organisations' names: titles ("King", "Major") and articles ("Al
# Nassr", "El Pais").
_NOT_GIVEN_HERE = TITLES | {"al", "el"}


@cache
def given_names() -> frozenset[str]:
    """The given names Faker ships for its locales (about 20,000), in Latin letters: news names people from
    everywhere, so every locale's list counts."""
    import faker.providers.person as person

    names: set[str] = set()
    for module in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{module.name}").Provider
        for attribute in ("first_names", "first_names_male", "first_names_female"):
            listed = getattr(provider, attribute, ())
            names.update(
                name
                for name in (listed if isinstance(listed, (list, tuple, dict, set, frozenset)) else ())
                if isinstance(name, str) and name[:1].isupper() and name.isalpha() and name.isascii()
            )
    return frozenset(names)


def a_persons_name(name: str, vocab: Vocab) -> bool:
    """Two or three capitalised words (particles aside) that start with a given name and end in a word outside
    the model's vocabulary of frequent words, none an organisation's head, neither the whole nor its last word a
    place."""
    from spacy.util import OOV_RANK

    words = [word for word in name.split() if word not in NAME_PARTICLES]
    if not 2 <= len(words) <= 3 or not all(word.isalpha() and word.istitle() for word in words):
        return False
    last = words[-1]
    return (
        words[0] in given_names()
        and words[0].lower() not in _NOT_GIVEN_HERE
        and not is_country(words[0])  # "China Evergrande": Faker lists such names too
        and vocab[last.lower()].rank == OOV_RANK
        and not any(word.lower() in ORG_HEADS for word in words)
        and not is_place(name)
        and not is_place(last)
    )
