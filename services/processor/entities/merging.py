"""Groups of mentions of one entity, and the merges that join groups: ``X of Iran`` → ``X``, an acronym → its
expansion, a surname → the full name, two names of one GeoNames place → one place."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from schemas import EntityType
from services.common.text import initials
from services.processor.entities.mention import HEADLINE_WEIGHT
from services.processor.entities.vocabulary import PARTY_NAMES
from services.processor.places import fold, is_country, is_place, locate

CLUB = "\x00club"  # the key of a club's group beside its town's


@dataclass
class Group:
    """The mentions of one entity so far: each spelling and type counted, their weights summed."""

    names: Counter[str] = field(default_factory=Counter)
    types: Counter[EntityType] = field(default_factory=Counter)
    body_types: Counter[EntityType] = field(default_factory=Counter)  # given outside the headline
    weight: float = 0.0
    mentions: int = 0

    @property
    def type(self) -> EntityType:
        """The type most of its mentions were given; on a tie, the one the body gives more often (the model
        reads a headline's title case worst)."""
        return max(self.types, key=lambda kind: (self.types[kind], self.body_types[kind]))

    def count(self, name: str, entity_type: EntityType, weight: float) -> None:
        self.names[name] += 1
        self.types[entity_type] += 1
        if weight < HEADLINE_WEIGHT:
            self.body_types[entity_type] += 1
        self.weight += weight
        self.mentions += 1

    def add(self, other: Group) -> None:
        self.names.update(other.names)
        self.types.update(other.types)
        self.body_types.update(other.body_types)
        self.weight += other.weight
        self.mentions += other.mentions


def _qualified(name: str) -> bool:
    head, separator, place = name.rpartition(" of ")
    return bool(separator and head) and is_place(place)


def canonical(group: Group) -> str:
    """Not an acronym when the expansion is known, not ``X of <place>`` when ``X`` is used; for persons the
    fullest name, for the rest the most used spelling; the gazetteer's name for a place."""
    entity_type = group.type
    if entity_type is EntityType.LOCATION and len(group.names) > 1:
        for name in group.names:
            place = locate(name)
            if place and place.name in group.names:
                return place.name

    def rank(name: str) -> tuple[bool, bool, int, int]:
        fullness = (len(name.split()), group.names[name])
        if entity_type is not EntityType.PERSON:
            fullness = fullness[::-1]
        return (not name.isupper(), not _qualified(name), *fullness)

    return max(group.names, key=rank)


def _merge(groups: dict[str, Group], source: str, target: str) -> None:
    if source != target and source in groups and target in groups:
        groups[target].add(groups.pop(source))


def merge_acronyms(groups: dict[str, Group], defined: dict[str, str]) -> None:
    """``SNSC`` joins ``Supreme National Security Council``: when the text defines it (then it is an alias
    even if the model never tagged it), or when exactly one organisation's initials spell it."""
    for acronym, expansion in defined.items():
        target = fold(expansion)
        if target in groups:
            groups[target].names[acronym] = groups[target].names.get(acronym, 0)
            _merge(groups, fold(acronym), target)
    organizations = [key for key, g in groups.items() if g.type is EntityType.ORGANIZATION]
    for key in list(groups):
        surface = groups[key].names.most_common(1)[0][0] if key in groups else ""
        if not (surface.isupper() and 2 <= len(surface) <= 10):
            continue
        spelled = [
            org
            for org in organizations
            if org != key and org in groups and any(initials(name.split()) == surface for name in groups[org].names)
        ]
        if len(spelled) == 1:
            _merge(groups, key, spelled[0])


def merge_same_places(groups: dict[str, Group]) -> None:
    """``Islamic Republic of Iran`` joins ``Iran``; ``US`` joins ``United States``: one GeoNames place."""
    seen: dict[int, str] = {}
    for key in list(groups):
        if groups[key].type is not EntityType.LOCATION:
            continue
        place = locate(key)
        if place is None or place.geo.geonames_id is None:
            continue
        if place.geo.geonames_id in seen:
            _merge(groups, key, seen[place.geo.geonames_id])
        else:
            seen[place.geo.geonames_id] = key


def merge_qualified_organizations(groups: dict[str, Group]) -> None:
    """``Supreme National Security Council of Iran`` joins ``Supreme National Security Council``."""
    for key in list(groups):
        head, separator, place = key.rpartition(" of ")
        if separator and head in groups and is_place(place):
            _merge(groups, key, head)


# What follows a company's own name in its full one: "Delta Air Lines", "Sony Corp", "Ford Motor Co".
_COMPANY_DESIGNATORS = {
    "air lines", "airlines", "airways", "air", "inc", "inc.", "corp", "corp.", "corporation", "co", "co.", "ltd",
    "plc", "motor", "motors", "motor co", "motor co.", "motor company", "holdings",
}  # fmt: skip


# What a company's short name stands before where it means the company: "a Delta flight", "the Delta spokesman".
_COMPANY_NOUN_AFTER = re.compile(
    r"(?:['’]s)?[ \t]+(?:flights?|jets?|planes?|crews?|pilots?|passengers|spokes(?:man|woman|person)|shares|stock"
    r"|employees|staff|customers|executives?)\b"
)


def in_a_companys_context(text: str, start: int, name: str) -> bool:
    """Whether a company's noun follows the name at ``start``."""
    return _COMPANY_NOUN_AFTER.match(text, start + len(name)) is not None


def merge_short_company_names(groups: dict[str, Group], companies_here: set[str]) -> None:
    """``Delta`` joins ``Delta Air Lines`` and is the airline, not the town the gazetteer knows: when it names no
    place, or stands before a company's noun somewhere (``companies_here``: "a Delta flight"). A country
    ("Qatar Airways"), a demonym ("Turkish Airlines"), a state's or a region's name used as such ("Alaska's
    governor", "storms swept the Southwest") and a person's surname ("Bill Ford") stay themselves."""
    surnames = {key.split()[-1] for key, group in groups.items() if group.type is EntityType.PERSON and " " in key}
    for key in [key for key, group in groups.items() if group.type is EntityType.ORGANIZATION]:
        short, _, designator = key.partition(" ")
        if designator not in _COMPANY_DESIGNATORS or short not in groups or key not in groups:
            continue
        alone = groups[short]
        if alone.type is EntityType.MISC or is_country(short) or short.endswith(CLUB) or short in surnames:
            continue
        if is_place(short) and short not in companies_here:
            continue
        alone.types = Counter({EntityType.ORGANIZATION: alone.mentions})
        alone.body_types = Counter({EntityType.ORGANIZATION: sum(alone.body_types.values())})
        _merge(groups, short, key)


def merge_partial_person_names(groups: dict[str, Group]) -> None:
    """``Shamkhani`` joins ``Ali Shamkhani`` when exactly one fuller name in the text ends (or starts) so,
    also when the model took the surname alone for an organisation (``Shearer`` beside ``Alan Shearer``)."""
    persons = [key for key, g in groups.items() if g.type is EntityType.PERSON]
    surnames = {
        key
        for key, g in groups.items()
        if g.type is EntityType.ORGANIZATION
        and " " not in key
        and not key.endswith(CLUB)
        and not any(name.isupper() for name in g.names)
    }
    for key in sorted(persons, key=lambda k: len(k.split())) + sorted(surnames):
        words = key.split()
        fuller = [
            other
            for other in persons
            if other in groups
            and len(other.split()) > len(words)
            and (
                other.split()[-len(words) :] == words or (other.split()[: len(words)] == words and key not in surnames)
            )
        ]
        if len(fuller) == 1:
            if key in surnames:  # the model's type for the surname alone was wrong: the person's is right
                groups[key].types = Counter({EntityType.PERSON: groups[key].mentions})
            _merge(groups, key, fuller[0])


def merge_party_names(groups: dict[str, Group]) -> None:
    """``Tories`` and ``Conservatives`` are one organisation: each everyday name of a party joins the first."""
    first: dict[str, str] = {}
    for key in list(groups):
        party = PARTY_NAMES.get(key)
        if party is not None and groups[key].type is EntityType.ORGANIZATION:
            _merge(groups, key, first.setdefault(party, key))
