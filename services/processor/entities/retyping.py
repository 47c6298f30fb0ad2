"""The type a name has in its sentence, when the model's label is not it: a title makes a person, a place
the gazetteer knows is a place, a town with a score (or in a sports story) is its club."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from schemas import EntityType
from services.processor.entities.appositions import (
    a_name_in_apposition,
    a_place_by_the_noun_after,
    a_publication_by_the_noun_after,
    a_publication_reporting,
    described_type,
)
from services.processor.entities.given_names import given_names
from services.processor.entities.mention import Mention
from services.processor.entities.tables import playing, venue
from services.processor.entities.vocabulary import (
    AWARDS,
    CLUB_ENDINGS,
    EVENT_ENDINGS,
    INSTITUTION_ENDINGS,
    LANDMARK_ENDINGS,
    NAME_PARTICLES,
    ORG_HEADS,
    PARTY_SHORT_FORMS,
    PERSON_TITLES,
    PLACE_ENDINGS,
    PLACE_HEADS,
    PLACE_SUFFIXES,
    PLATFORMS,
    ROLE_NOUNS,
    SPORT_EVENT_ENDINGS,
    TITLES,
    VENUE_ENDINGS,
    WORK_NOUNS,
)
from services.processor.places import fold, is_country, is_named_place, is_place


def titled(text: str, mention: Mention) -> bool:
    """Whether a title stands before the name, in the mention (``President Clinton``) or just before it."""
    words = text[max(0, mention.start - 20) : mention.start].split()[-1:] + mention.text.split()[:1]
    return any(word.lower().rstrip(".") in PERSON_TITLES for word in words)


# Products named the way no organisation is: "iPhone", "iPad", "iOS", "macOS", "MacBook Pro", "Telegram X", a
# platform's store ("App Store", "PlayStation Store"; not the retailers "The Container Store", "Disney Store"),
# and flights: "Nippon Airways Flight 175".
_PRODUCT_NAME = re.compile(
    r"^i[A-Z][a-z]|^[a-z]+OS$|^(?:(?:iOS|Apple|Mac)[ \t]+)?App[ \t]+Store$"
    r"|^(?:Google[ \t]+)?Play[ \t]+Store$|^(?:PlayStation|Microsoft|Windows|Xbox|Steam|Epic[ \t]+Games)[ \t]+Store$"
    r"|\S[ \t]+(?:Pro|Plus|Max|Mini|Ultra|Lite|X|XS|XL|XR)$|\bFlight[ \t]+[A-Z]*\d+$"
)
# The noun after a determiner, a possessive or a year: "the film", "his 2003 album", not the verbs "will play
# Arsenal", "polls show Labour ahead".
_WORK_BEFORE = re.compile(
    r"\b(?:the|a|an|his|her|their|its|this|that|new|latest|\d{4})[ \t]+(?:\d{4}[ \t]+)?(?:"
    + "|".join(sorted(WORK_NOUNS))
    + r")[ \t]*[\"“‘']?[ \t]*$",
    re.IGNORECASE,
)
_LIST_GOES_ON = re.compile(r"[ \t]*(?:,|(?:and|or)\b)")
_WORD_BEFORE = re.compile(r"([A-Za-z-]+)([.,]?)[ \t]+$")


def an_event_or_work(name: str, *, sport: bool) -> bool:
    """Whether the name is an event, a competition, an award or a product (``misc``), not the organisation or
    person the model took it for: by how such names end (``Brazilian Grand Prix``, ``Six Nations`` in a sports
    story, ``Oktoberfest``), by the award's name (``Oscars``), or by the product's spelling (``iPhone``)."""
    words = name.casefold().split()
    if words[-1] in EVENT_ENDINGS or (sport and len(words) > 1 and words[-1] in SPORT_EVENT_ENDINGS):
        return True
    single = " ".join(words)
    if single in AWARDS or single.removesuffix("s") in AWARDS:
        return True
    if len(words[-1]) > 6 and words[-1].endswith("fest"):
        return True  # "Oktoberfest", "Munich Oktoberfest"
    return bool(_PRODUCT_NAME.search(name))


_QUOTE_OPENS = "\"“‘'"
_QUOTE_CLOSES = re.compile(r"[,.!?]?[\"”’'](?!s\b)")  # not a possessive: “Neil Portnow’s comments


_NOT_A_TITLE_BEFORE = re.compile(r"(?:so-called|:)[ \t]*$")  # the so-called "Islamic State"; she said: "Obama."


def a_quoted_title(text: str, mention: Mention) -> bool:
    """Whether the name fills a quotation: a song's, a film's or a book's title ("Cry Me A River," and
    "Senorita."), which newsrooms quote and names they do not. Not a possessive's apostrophe (“James’ death was
    avoidable,” she said), a so-called name or a one-word answer."""
    end = mention.start + len(mention.text)
    if not 0 < mention.start < len(text) or text[mention.start - 1] not in _QUOTE_OPENS:
        return False
    closes = _QUOTE_CLOSES.match(text, end)
    if closes is None or (mention.text.endswith("s") and closes.group() in "'’"):
        return False
    return _NOT_A_TITLE_BEFORE.search(text, max(0, mention.start - 12), mention.start - 1) is None


def a_titled_work(text: str, mention: Mention) -> bool:
    """Whether a work's noun stands before the name (``the 2003 film Kill Bill``): a title, whatever its words
    look like."""
    return bool(_WORK_BEFORE.search(text, max(0, mention.start - 32), mention.start))


def after_a_role(text: str, mention: Mention) -> bool:
    """Whether the word before the name is a title or a role (``Foreign Minister``, ``singer``, ``safety``):
    who is named so is a person, known to the model or not."""
    before = _WORD_BEFORE.search(text, max(0, mention.start - 24), mention.start)
    if before is None:
        return False
    word, stop = before.groups()
    if stop == ",":  # in apposition: "the German interior minister, Thomas de Maiziere", not a list ("the
        # minister, British Airways and the unions")
        listed = _LIST_GOES_ON.match(text, mention.start + len(mention.text)) is not None
        return not listed and word.islower() and word in PERSON_TITLES | ROLE_NOUNS
    return word.lower() in PERSON_TITLES or (word.islower() and word in ROLE_NOUNS)


_POST_AFTER = re.compile(
    r",[ \t]+(?:the[ \t]+)?(?:[a-z-]+[ \t]+){0,2}(?P<post>[a-z-]+)[ \t]+(?:of|for|at)[ \t]+(?:the[ \t]+)?[A-Z]"
)


def before_a_post(text: str, mention: Mention) -> bool:
    """Whether a post follows the name in apposition (``Qadoura Fares, chairman of the …``)."""
    after = _POST_AFTER.match(text, mention.start + len(mention.text))
    return after is not None and after.group("post") in TITLES | ROLE_NOUNS


# What a team's name stands before, as a company's before its product: "the Williams driver", "Massa's Williams
# car", "Sauber boss Frederic Vasseur". Not "fans" or "team" ("Trump fans", "the Trump team" are a person's).
_TEAM_MEMBER_AFTER = re.compile(
    r"[ \t]+(?:driver|drivers|car|cars|teammate|team-mate|squad|manager|boss|striker|midfielder|defender"
    r"|goalkeeper|winger)\b(?![ \t-]*(?:bomb|bombing|dealer|park|plant|crash)s?\b)"
)


def a_team_by_its_member(text: str, mention: Mention) -> bool:
    """Whether a team member's noun follows the one-word name the model took for a person (a country's team
    stays the country, as CoNLL counts it: "England manager Glenn Hoddle")."""
    end = mention.start + len(mention.text)
    return _TEAM_MEMBER_AFTER.match(text, end) is not None and not is_country(mention.text)


def a_party(name: str) -> bool:
    """A party by its short form: "Tories", "Lib Dems", "Christian Democrats" (not "a Democrat")."""
    folded = name.casefold()
    return folded in PARTY_SHORT_FORMS or (" " in folded and folded.split()[-1] in PARTY_SHORT_FORMS - {"labour"})


def a_club(name: str) -> bool:
    """A town's name and a club's ending, the whole no place: "Manchester City", "Stoke City", "Leeds United"."""
    town, _, ending = name.rpartition(" ")
    return ending.lower() in CLUB_ENDINGS and is_place(town) and not is_place(name)


def a_named_place(name: str, *, landmarks: bool = True) -> bool:
    """A street, station or landmark by how its name ends or starts: "Beckenham Junction", "Reeves Corner",
    "Willis Tower", "Promenade des Anglais", "Ebertstrasse"; never an organisation's head word at its end ("Lake
    County Sheriff's Office").

    :param landmarks: whether a landmark's ending that is also a surname or a work's word counts ("Willis
        Tower", but not the person "Barbara Castle" or the series "Downton Abbey").
    """
    words = name.split()
    if len(words) == 1:
        return len(name) > 7 and name[0].isupper() and name.casefold().endswith(PLACE_SUFFIXES)
    last = words[-1].lower()
    if not words[-1][0].isupper() or last in ORG_HEADS or last in INSTITUTION_ENDINGS:
        return False
    endings = PLACE_ENDINGS | LANDMARK_ENDINGS if landmarks else PLACE_ENDINGS
    venue = " ".join(words[-2:]).lower() in VENUE_ENDINGS
    return last in endings or venue or words[0].lower() in PLACE_HEADS


def an_institution(name: str) -> bool:
    """A zoo, a hospital, a school or an observatory by how its name ends: an organisation, not its building."""
    words = name.split()
    return len(words) > 1 and words[-1][0].isupper() and words[-1].lower() in INSTITUTION_ENDINGS


def a_person_name(name: str) -> bool:
    """Two or three capitalised words (particles aside), none an organisation's head, not a place: how persons
    are written."""
    words = [word for word in name.split() if word not in NAME_PARTICLES]
    return (
        2 <= len(words) <= 3
        and name[0].isupper()
        and all(word[0].isupper() and word.lower() not in ORG_HEADS for word in words)
        and not an_institution(name)
        and not is_place(name)
    )


def _what_a_person_is_called(name: str) -> tuple[str, ...]:
    """The full name, the last word and, unless it is a country's ("Jordan Henderson"), the given name."""
    words = name.split()
    given = () if len(words) < 2 or is_country(words[0]) else (words[0],)
    return (name, words[-1], *given)


_LISTED = re.compile(r"[ \t]*(?:,[ \t]*(?:and[ \t]+)?|and[ \t]+|&[ \t]+)")
_PLACES_LISTED_AFTER = re.compile(r"\b(?:in|to|from|at|between|across|near|visited|visiting)[ \t]+$", re.IGNORECASE)


def _listed_given_names(cleaned: Sequence[tuple[Mention, tuple[str, EntityType]]], text: str) -> frozenset[int]:
    """Starts of the model's one-word persons that are given names, in a list of its persons where one names
    no place (``Matthew, William and Zachary``; ``Harry, Ron and Hermione``): a list of children or of friends
    is of persons, though a town may have a name. Not a list of towns (``stores in Austin, Charlotte and
    Jackson``, ``Orlando and Florence``)."""
    persons = sorted(
        (mention.start, mention.start + len(mention.text), name)
        for mention, (name, entity_type) in cleaned
        if entity_type is EntityType.PERSON
    )
    lists: list[list[tuple[int, int, str]]] = []
    for person in persons:
        if lists and _LISTED.fullmatch(text, lists[-1][-1][1], person[0]):
            lists[-1].append(person)
        else:
            lists.append([person])
    listed: set[int] = set()
    for items in lists:
        after_a_place_word = _PLACES_LISTED_AFTER.search(text, max(0, items[0][0] - 12), items[0][0])
        if len(items) < 2 or after_a_place_word or all(is_place(name) for _, _, name in items):
            continue
        listed.update(start for start, _, name in items if name in given_names())
    return frozenset(listed)


_SPEECH_VERBS = r"(?:said|says|told|tells|added|praised|admitted|insisted|explained|warned)\b"
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])[ \t]+")  # "Sauber's", "Williams'"


def _teams(cleaned: Sequence[tuple[Mention, tuple[str, EntityType]]], text: str) -> frozenset[str]:
    """The one-word names the model took for persons that a mention shows to be a team: a team member's noun
    after it ("the Williams driver"), or its possessive before a person's full name ("Sauber's Marcus Ericsson",
    "Williams' Felipe Massa"). In a sports story every mention of such a name is the team."""
    full_names = {
        mention.start for mention, (name, entity_type) in cleaned if entity_type is EntityType.PERSON and " " in name
    }

    def a_team_here(mention: Mention) -> bool:
        possessive = _POSSESSIVE.match(text, mention.start + len(mention.text))
        players_team = possessive is not None and possessive.end() in full_names and not a_speaker(mention.text)
        return players_team or a_team_by_its_member(text, mention)

    given = {name.split()[0] for _, (name, entity_type) in cleaned if entity_type is EntityType.PERSON and " " in name}

    def a_speaker(name: str) -> bool:
        """The given name of a person the text names ("Serena's Venus Williams" beside "Serena Williams"), or a
        name that speaks ("Klopp praised him"): a person."""
        return name in given or re.search(rf"\b{re.escape(name)}[ \t]+{_SPEECH_VERBS}", text) is not None

    return frozenset(
        fold(name)
        for mention, (name, entity_type) in cleaned
        if entity_type is EntityType.PERSON and " " not in name and not is_country(name) and a_team_here(mention)
    )


@dataclass(frozen=True)
class TypeContext:
    """What the whole article says about its names, read once before any mention is typed."""

    text: str
    sport: bool
    persons: frozenset[str]  # names (and their last words) the text gives a person
    surnames: frozenset[str]  # last words of the persons' full names
    described_at: dict[int, EntityType]  # where a noun before the mention types it ("firm IDC"), by its start
    described: dict[str, EntityType]  # names a noun before them types, for every mention
    heads: dict[str, EntityType]  # first words of longer names, with the one type the model gave those names
    listed_given_names: frozenset[int]  # starts of given names listed with other persons ("sons Matthew and Zachary")
    teams: frozenset[str]  # one-word names a mention shows to be a team ("Sauber's Marcus Ericsson")

    @classmethod
    def of(
        cls, cleaned: Sequence[tuple[Mention, tuple[str, EntityType]]], text: str, *, sport: bool = False
    ) -> TypeContext:
        # Names this text gives a person (``President Clinton``, ``Bill Clinton``), and the given name alone
        # (``Harvey`` beside ``Harvey Weinstein``): the gazetteer's towns of Clinton and Harvey must not turn them
        # into places.
        persons = frozenset(
            fold(part)
            for mention, (name, entity_type) in cleaned
            if entity_type is EntityType.PERSON and (titled(text, mention) or not is_place(name))
            for part in _what_a_person_is_called(name)
        )
        surnames = frozenset(
            fold(name.split()[-1])
            for _, (name, entity_type) in cleaned
            if entity_type is EntityType.PERSON and " " in name
        )
        described_at: dict[int, EntityType] = {}
        described: dict[str, EntityType] = {}
        for mention, (name, _) in cleaned:
            a_persons_name = fold(name) in surnames or (" " in name and fold(name) in persons)
            kind = described_type(text, mention)
            if kind is None and not a_persons_name and a_place_by_the_noun_after(text, mention):
                kind = EntityType.LOCATION  # "Ofer military prison"; not "the Epstein island" beside "Jeffrey Epstein"
            if kind is not None:
                described_at[mention.start] = kind
                described.setdefault(fold(name), kind)
        head_types: dict[str, set[EntityType]] = {}
        for _, (name, entity_type) in cleaned:
            if " " in name:
                head_types.setdefault(fold(name.split()[0]), set()).add(entity_type)
        heads = {head: types.pop() for head, types in head_types.items() if len(types) == 1}
        listed = _listed_given_names(cleaned, text)
        teams = _teams(cleaned, text) if sport else frozenset()  # read only in a sports story
        return cls(text, sport, persons, surnames, described_at, described, heads, listed, teams)

    def named_as_person(self, mention: Mention) -> bool:
        return after_a_role(self.text, mention) or before_a_post(self.text, mention)

    def type_of(self, mention: Mention, name: str, entity_type: EntityType) -> tuple[EntityType, bool]:
        """The mention's type here (``misc`` for events and works), and whether it is a club named after its
        town."""
        if fold(name) in PLATFORMS:
            return EntityType.ORGANIZATION, False  # "said on Twitter"
        # A name the text gives a person in full, or its surname: "Malcolm X", "Booker" beside "Cory Booker".
        named_person = fold(name) in self.surnames or (" " in name and fold(name) in self.persons)
        if a_quoted_title(self.text, mention) or (
            entity_type is not EntityType.LOCATION
            and (a_titled_work(self.text, mention) or (not named_person and an_event_or_work(name, sport=self.sport)))
        ):
            return EntityType.MISC, False
        if entity_type is not EntityType.PERSON and a_person_name(name) and self.named_as_person(mention):
            return EntityType.PERSON, False
        here = self.described_at.get(mention.start)
        if here is EntityType.LOCATION or (
            here is EntityType.ORGANIZATION
            and (entity_type is not EntityType.PERSON or a_name_in_apposition(self.text, mention))
        ):
            return here, False  # "case maker Olixar", "the port of Yeosu", "the weekly Charlie Hebdo and …"
        if entity_type is EntityType.PERSON and (
            a_publication_by_the_noun_after(self.text, mention) or a_publication_reporting(self.text, mention)
        ):
            return EntityType.ORGANIZATION, False  # "the Chosun Ilbo newspaper", "The Chosun Ilbo reports"
        # Said of one mention, true of the others, but not against the model's person ("the club Neymar joined"
        # is a clause, not a name); a town named so elsewhere can still be its club ("the city of Chicago" …
        # "Chicago ended the reign").
        elsewhere = self.described.get(fold(name))
        if elsewhere is EntityType.ORGANIZATION and entity_type is not EntityType.PERSON:
            return elsewhere, False
        if elsewhere is EntityType.LOCATION:
            entity_type = elsewhere
        if a_party(name) or a_club(name):
            return EntityType.ORGANIZATION, False
        if an_institution(name):
            return EntityType.ORGANIZATION, False
        if entity_type is not EntityType.LOCATION and a_named_place(
            name, landmarks=entity_type is EntityType.ORGANIZATION
        ):
            entity_type = EntityType.LOCATION  # "The Millennium Stadium" the model read as an event
        if (
            entity_type is EntityType.PERSON  # not a place: "a Texas driver", "a Mogadishu car bomb"
            and " " not in name
            and fold(name) not in self.surnames
            and (a_team_by_its_member(self.text, mention) or (self.sport and fold(name) in self.teams))
        ):
            return EntityType.ORGANIZATION, False  # "the Williams driver", "Sauber driver Marcus Ericsson"
        model_place = mention.label in {"GPE", "LOC"}  # the model's own type, not a place by its ending
        given, _, surname = name.partition(" ")
        if model_place and surname and given in given_names() and fold(name) in self.persons and not is_place(name):
            return EntityType.PERSON, False  # "Williams' Felipe Massa": the model's place, the text's person
        a_surname = " " not in name and fold(name) in self.surnames and not is_country(name)
        if entity_type is not EntityType.PERSON and a_surname:
            return EntityType.PERSON, False  # "Rosberg" beside "Nico Rosberg", whatever the model said
        one_word_person = entity_type is EntityType.PERSON and " " not in name and fold(name) not in self.surnames
        if one_word_person and playing(self.text, mention):
            entity_type = EntityType.ORGANIZATION  # one word with a score after it, nobody's surname: a team
        if one_word_person and self.heads.get(fold(name)) is EntityType.LOCATION:
            return EntityType.LOCATION, False  # the first word of a place's name: "Terrigal" and "Terrigal Beach"
        taken_for_person = (
            entity_type is EntityType.PERSON
            and fold(name) not in self.persons
            and mention.start not in self.listed_given_names  # "Matthew, William and Zachary", not the town
        )
        if (taken_for_person or entity_type is EntityType.ORGANIZATION) and is_named_place(name):
            entity_type = EntityType.LOCATION  # a place the model took for a person or an organisation
        club = (
            entity_type is EntityType.LOCATION
            and (playing(self.text, mention) or (self.sport and not venue(self.text, mention)))
            and not is_country(name)
        )
        return (EntityType.ORGANIZATION if club else entity_type), club
