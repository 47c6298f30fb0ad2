"""Named entities a reader would accept: a spaCy pipeline finds mentions, pure rules turn them into entities.

The model (a spaCy English pipeline installed from PyPI, loaded by package name) only proposes spans
(``model``, plus the names of results tables it misses, ``tables``, and the names a noun introduces,
``appositions``). What makes them usable is the rules, one unit each, in the order ``resolve`` applies them:
names cleaned (``names``: titles and honorifics stripped, ``Rear Admiral Shamkhani`` → ``Shamkhani``; agency
names, credits and junk dropped), types corrected from context (``retyping``: ``Bishkek`` is a place whatever
the model says), mentions of one entity merged (``merging``: surname → full name, acronym ↔ expansion from
``acronyms``, ``X of Iran`` → ``X``), posts attached (``roles``), mentions counted and salience given (headline
and lead weigh more).
"""

from services.processor.entities.acronyms import acronyms_in
from services.processor.entities.mention import RELATED_WEIGHT, Mention
from services.processor.entities.model import (
    RELATED_SEPARATOR,
    entity_spans,
    load_pipeline,
    mentions_of,
    related_mentions,
    truecase_shouting,
)
from services.processor.entities.names import clean_name
from services.processor.entities.resolve import resolve
from services.processor.entities.tables import missed_names
from services.processor.entities.vocabulary import LABELS

__all__ = [
    "LABELS",
    "RELATED_SEPARATOR",
    "RELATED_WEIGHT",
    "Mention",
    "acronyms_in",
    "clean_name",
    "entity_spans",
    "load_pipeline",
    "mentions_of",
    "missed_names",
    "related_mentions",
    "resolve",
    "truecase_shouting",
]
