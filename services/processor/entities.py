"""Named entities a reader would accept: a spaCy pipeline finds mentions, pure rules turn them into entities.

The model (a spaCy English pipeline installed from PyPI, loaded by package name) only proposes spans.
What makes them usable is here: titles and honorifics stripped (``Rear Admiral Shamkhani`` → ``Shamkhani``),
mentions of one entity merged (surname → full name, acronym ↔ expansion, ``X of Iran`` → ``X``), types
corrected by the GeoNames gazetteer (``Bishkek`` is a place, whatever the model says), agency names and
junk dropped, mentions counted and salience given (headline and lead weigh more).
"""

from __future__ import annotations

import re
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from schemas import Entity, EntityType, Role
from services.processor.dates import MONTH_NAME
from services.processor.places import fold, is_place, locate
from services.processor.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# en_core_web_md 3.7.1 (Explosion's files, MIT) as packaged on PyPI: the small model with 20,000 word vectors,
# which carry it over names it never saw in training (CoNLL F1 0.70 → 0.76 at the same speed; decisions.md).

LABELS = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "GPE": EntityType.LOCATION,
    "LOC": EntityType.LOCATION,
    "FAC": EntityType.LOCATION,
    "NORP": EntityType.MISC,
    "EVENT": EntityType.MISC,
    "LAW": EntityType.MISC,
    "PRODUCT": EntityType.MISC,
    "WORK_OF_ART": EntityType.MISC,
    "LANGUAGE": EntityType.MISC,
}

# Words that stand before a name without being part of it.
TITLES = {
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "lord", "lady", "rear", "vice",
    "admiral", "general", "gen", "lt", "lieutenant", "colonel", "col", "major", "maj", "captain", "capt",
    "commander", "sergeant", "sgt", "brigadier", "marshal", "field", "president", "vice-president", "minister",
    "secretary", "secretary-general", "chairman", "chairwoman", "chair", "ambassador", "senator", "sen", "rep",
    "representative", "congressman", "congresswoman", "governor", "gov", "mayor", "chancellor", "premier",
    "king", "queen", "prince", "princess", "sheikh", "shaikh", "emir", "sultan", "ayatollah", "imam", "pope",
    "cardinal", "bishop", "archbishop", "rabbi", "reverend", "rev", "judge", "justice", "deputy", "foreign",
    "prime", "interior", "defence", "defense", "finance", "chief", "spokesman", "spokeswoman", "spokesperson",
    "director", "head", "leader", "envoy", "coach", "striker", "midfielder", "defender", "goalkeeper",
    "manager", "officer", "inspector", "detective", "agent", "mr.", "mrs.", "ms.", "dr.", "st", "saint",
}  # fmt: skip
# News agencies are who reports, not who the news is about; and words the model mistakes for names.
AGENCIES = {
    "iran press", "ip", "irna", "isna", "tasnim", "mehr", "fars", "reuters", "afp", "ap", "associated press",
    "agence france-presse", "xinhua", "tass", "ria novosti", "anadolu", "dpa", "efe", "ansa", "upi", "bbc news",
    "cnn", "kyodo", "yonhap", "bernama", "press tv", "presstv", "wam", "spa", "kuna", "qna", "sana", "petra",
}  # fmt: skip
_EDGE_WORDS = {"the", "of", "and", "for", "in", "on", "at", "a", "an", "'s", "’s"}
_ACRONYM_AFTER = re.compile(
    r"([A-Z][\w&'.-]*(?:[ \t]+(?:of|for|and|the|on|de|la|[A-Z][\w&'.-]*))+)[ \t]*\(([A-Z][A-Z0-9&]{1,9})\)"
)
_ACRONYM_BEFORE = re.compile(
    r"\b([A-Z][A-Z0-9&]{1,9})[ \t]*\(([A-Z][\w&'.-]*(?:[ \t]+(?:of|for|and|the|on|[A-Z][\w&'.-]*))+)\)"
)
HEADLINE_WEIGHT, LEAD_WEIGHT, RELATED_WEIGHT = 3.0, 2.0, 0.25
# Titles only a person carries: a span the model typed otherwise that starts so is a person.
PERSON_TITLES = {
    "mr", "mrs", "ms", "dr", "rear", "admiral", "general", "president", "minister", "secretary", "ambassador",
    "senator", "ayatollah", "sheikh", "king", "queen", "prince", "princess", "pope", "colonel", "captain",
    "lieutenant", "sir", "chancellor", "governor", "mayor",
}  # fmt: skip
# The word an organisation's name ends in; capitalised words after it in one span are someone's name.
ORG_HEADS = {
    "council", "republic", "ministry", "party", "committee", "union", "organization", "organisation", "bank",
    "company", "corporation", "agency", "court", "assembly", "parliament", "army", "forces", "guard", "police",
    "university", "institute", "federation", "association", "commission", "office", "department", "government",
    "administration", "league", "club", "group", "front", "movement", "fund", "authority", "service", "board",
}  # fmt: skip


# Components the English pipelines carry that entity recognition does not need: in the sm and md models
# NER has its own embedding layer, so leaving these out gives identical entities at twice the speed.
UNUSED_COMPONENTS = ["tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer", "morphologizer"]


@lru_cache(maxsize=2)
def load_pipeline(package: str = DEFAULT_MODEL) -> Language:
    """The spaCy pipeline by package name, offline, with only what NER needs."""
    import spacy

    with warnings.catch_warnings():
        # W095: the md pipeline was built with spaCy 3.7; its layers are unchanged in 3.8 (the seeds and the
        # CoNLL evaluation run on it), so the version notice is not shown on every start.
        warnings.filterwarnings("ignore", message=r"\[W095\]")
        nlp = spacy.load(package, exclude=UNUSED_COMPONENTS)
    if "ner" not in nlp.pipe_names:
        raise RuntimeError(f"the spaCy pipeline {package} has no 'ner' component")
    return nlp


@dataclass(frozen=True)
class Mention:
    """One span the model found, where it was, how much its place counts."""

    text: str
    label: str
    start: int
    weight: float = 1.0


@dataclass
class _Group:
    names: Counter[str] = field(default_factory=Counter)
    types: Counter[EntityType] = field(default_factory=Counter)
    weight: float = 0.0
    mentions: int = 0

    def add(self, other: _Group) -> None:
        self.names.update(other.names)
        self.types.update(other.types)
        self.weight += other.weight
        self.mentions += other.mentions


def truecase_shouting(text: str) -> str:
    """Lines written in capitals (wire headlines, datelines) in the case the rest of the text uses for each
    word, else capitalised: the model reads ``JAPAN GET LUCKY WIN`` as it would ``Japan Get Lucky Win``, and
    ``COLOMBO 1996-08-30`` as ``Colombo 1996-08-30``."""
    known: dict[str, str] = {}
    for word in re.findall(r"[^\W\d_][\w'-]*", text):
        if not word.isupper():
            known.setdefault(word.lower(), word)
    lines = []
    for line in text.split("\n"):
        upper, lower = sum(map(str.isupper, line)), sum(map(str.islower, line))  # cased letters, counted in C
        if upper + lower >= 4 and upper > 4 * lower:  # over 80 % capitals
            line = re.sub(r"[^\W\d_][\w'-]*", lambda m: known.get(m.group().lower(), m.group().capitalize()), line)
        lines.append(line)
    return "\n".join(lines)


def entity_spans(doc: Doc, text: str | None = None) -> list[tuple[str, str, int, int]]:
    """(text, label, start_char, end_char) of the entities the model tagged. The same as ``doc.ents``, read
    from the IOB array in one call: ``doc.ents`` builds a Python object per token (a fifth of enrichment's
    own time on news-length articles)."""
    from spacy.attrs import ENT_IOB, ENT_TYPE

    text = doc.text if text is None else text  # doc.text joins every token anew: pass it when known
    tags = doc.to_array([ENT_IOB, ENT_TYPE])
    spans = []
    inside = tags[:, 0] == 1  # I; B is 3, O is 2
    for begin in (tags[:, 0] == 3).nonzero()[0].tolist():
        end = begin + 1
        while end < len(doc) and inside[end]:
            end += 1
        start_char, last = doc[begin].idx, doc[end - 1]
        end_char = last.idx + len(last.text)
        spans.append((text[start_char:end_char], doc.vocab.strings[int(tags[begin, 1])], start_char, end_char))
    return spans


def mentions_of(doc: Doc, headline_end: int, lead_end: int, text: str | None = None) -> list[Mention]:
    """The model's entity spans, plus what it missed that the gazetteer or a name pattern finds, with the
    weight of where they stand.

    :param text: the text the doc was made from, when the caller has it: ``doc.text`` joins every token
        anew (most of this function's time on news-length articles).
    """

    def weight(start: int) -> float:
        return HEADLINE_WEIGHT if start < headline_end else LEAD_WEIGHT if start < lead_end else 1.0

    text = doc.text if text is None else text
    spans = entity_spans(doc, text)
    found = [Mention(name, label, start, weight(start)) for name, label, start, _ in spans if label in LABELS]
    covered = [(start, end) for _, label, start, end in spans if label in LABELS]  # a DATE over a name is wrong
    for name, label, start in missed_names(text, covered):
        found.append(Mention(name, label, start, weight(start)))
    return found


_INITIALISM_END = re.compile(r"(?<![\w.])(?:[A-Za-z]\.){2,}$")
_ABBREVIATION_END = re.compile(r"\b(?:Corp|Inc|Co|Ltd|Bros|Jr|Sr|Cos|Mfg|Assn|Dept)\.$")
_INITIAL_AND_SURNAME = re.compile(r"(?<![\w.])((?:[A-Z]\. ){1,2}[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


# A table row: a name (after a rank, perhaps), an optional bracketed country, then only figures to the end of
# the line — "Stoke 4 3 1 0 7 4 10", "3. Queens Park Rangers 3 2 1 0 5 3 7", "Dinamo ( Russia ) 81 75".
_TABLE_ROW = re.compile(
    r"^[ \t]*(?:\d+[ \t]*[.)-]?[ \t]+)?"
    r"(?P<name>[A-Z][\w.'&-]*(?:[ \t]+(?:[A-Z][\w.'&-]*|of|de|the|and|&))*)"
    r"[ \t]+(?:\([ \t]*[A-Z][\w .'-]*\)[ \t]+)?[+-]?\d[\d.,:/-]*(?:[ \t]+[+-]?[\d.,:/-]+)+[ \t]*$",
    re.MULTILINE,
)


# A name after a shirt number or a seeding in a list ("Teams: France - 1 - Bernard Lama ; 2 - Lilian Thuram",
# "second round 1 - Pete Sampras ( U.S. ) beat"): a player. After a capitalised word it would be a score
# ("Arsenal 2 - Chelsea 1"), so only at a line's start, after punctuation or after a word in lower case.
_NUMBERED_NAME = re.compile(
    r"(?:^|(?<=[;,(:])|(?<=\w )|(?<=[-–] ))[ \t]*\d{1,2}[ \t]*[-–][ \t]*"
    r"(?P<name>[A-Z][\w'-]+(?:[ \t]+(?:de|van|der|da|dos|del|di|le|la|[A-Z][\w'-]+)){1,3})",
    re.MULTILINE,
)


_TEAM = r"[A-Z][\w.'&-]*(?:[ \t]+(?:[A-Z][\w.'&-]*|of|de|'s))*"
# A result: two names, each with its score, alone on a line ("Harlequins 75 Gloucester 19", "Duisburg 1
# Luebeck 0 ( after extra time )").
_RESULT = re.compile(
    rf"^[ \t]*(?P<home>{_TEAM})[ \t]+\d+[ \t]+(?P<away>{_TEAM})[ \t]+\d+[ \t]*(?:\([^)\n]*\))?[ \t]*$", re.MULTILINE
)


def _covered(start: int, end: int, covered: Sequence[tuple[int, int]]) -> bool:
    return any(start < c_end and c_start < end for c_start, c_end in covered)


def missed_names(text: str, covered: Sequence[tuple[int, int]]) -> list[tuple[str, str, int]]:
    """(text, label, start) of names outside the model's spans that results tables and bylines write:
    ``P. Johnson``-style people, and the names heading the rows of a table — teams in standings, parties in
    election results, companies in price lists; the gazetteer retypes a country (a national team is its
    country). Places the gazetteer knows were tried anywhere in the text too and cost more precision than
    they gave recall (docs/decisions.md)."""
    found = []
    for match in _INITIAL_AND_SURNAME.finditer(text):
        start, end = match.span(1)
        if not _covered(start, end, covered) and not is_place(match.group(1)):
            found.append((match.group(1), "PERSON", start))
    for match in _NUMBERED_NAME.finditer(text):
        start, end = match.span("name")
        before = text[max(0, match.start() - 40) : match.start()].split()
        after_a_name = bool(before) and before[-1][:1].isupper()  # "Arsenal 2 - Aston Villa 1": a score
        if not after_a_name and not _covered(start, end, covered) and not is_place(match.group("name")):
            found.append((match.group("name"), "PERSON", start))
    for match in _RESULT.finditer(text):
        for side in ("home", "away"):
            start, end = match.span(side)
            if not _covered(start, end, covered):
                found.append((match.group(side), "ORG", start))
    for match in _TABLE_ROW.finditer(text):
        start, end = match.span("name")
        if not _covered(start, end, covered) and not _INITIAL_AND_SURNAME.fullmatch(match.group("name")):
            found.append((match.group("name"), "ORG", start))
    return found


# What never stands inside one name: a line break, a spaced dash ("Soccer - Shearer", "Romania - Cosmin
# Contra" in a headline), a comma ("Breen, Staunton" in a team list), a bracket ("Olabisi Afolabi ( Nigeria"),
# a score or "v" between two teams ("Bradford 1 Tranmere 0", "Birmingham v Barnsley"), a scorecard's "c"
# and "b" ("Saeed Anwar c Stewart b Gough": caught, bowled).
_NAME_BREAK = re.compile(r"\s*\n\s*|\s+[-–—]\s+|\s*,\s*|\s*[()]\s*|\s+(?:\d+|v|vs\.?|c|b)\s+(?=[A-Z])")


def split_joined(mention: Mention) -> list[Mention]:
    """One span the model ran over several names → a mention per name, each where it stands."""
    if not _NAME_BREAK.search(mention.text):
        return [mention]
    parts, position = [], 0
    for separator in [*_NAME_BREAK.finditer(mention.text), None]:
        end = separator.start() if separator else len(mention.text)
        if part := mention.text[position:end].strip():
            parts.append(Mention(part, mention.label, mention.start + position, mention.weight))
        position = separator.end() if separator else end
    return parts


_TRAILING_FIGURES = re.compile(r"(?:\s+\d[\d.,:/-]*(?:st|nd|rd|th)?)+$")  # "Kent 108-3", "Robert Pires 46th"
_ISO_DATE = re.compile(r"\s+\d{4}-\d{2}-\d{2}$")


def trim_figures(mention: Mention, text: str) -> Mention:
    """Without the figures the model took into the span: a dateline's date (``Bucharest 1996-08-30``)
    always, a score (``Kent 108-3``, ``H. Morris 69``) on a line of results."""
    trimmed = _ISO_DATE.sub("", mention.text)
    if _TRAILING_FIGURES.search(trimmed) and _results_line(_line_at(text, mention.start)):
        trimmed = _TRAILING_FIGURES.sub("", trimmed)
    return (
        mention
        if trimmed == mention.text or not trimmed
        else Mention(trimmed, mention.label, mention.start, mention.weight)
    )


def split_trailing_person(mention: Mention) -> list[Mention]:
    """``Security Council of the Kyrgyz Republic Marat Imankulov`` (one span from the model) → the
    organisation and the person whose capitalised name follows its head word."""
    if LABELS[mention.label] is not EntityType.ORGANIZATION:
        return [mention]
    words = mention.text.split()
    heads = [i for i, word in enumerate(words) if word.lower() in ORG_HEADS]
    if not heads:
        return [mention]
    tail = words[heads[-1] + 1 :]
    capitalised = all(w[0].isupper() and w.lower() not in ORG_HEADS | TITLES for w in tail)
    if not (2 <= len(tail) <= 3 and capitalised) or is_place(" ".join(tail)):
        return [mention]
    head_text = " ".join(words[: heads[-1] + 1])
    offset = mention.text.index(tail[0], len(head_text))
    return [
        Mention(head_text, mention.label, mention.start, mention.weight),
        Mention(" ".join(tail), "PERSON", mention.start + offset, mention.weight),
    ]


def clean_name(text: str, entity_type: EntityType) -> tuple[str, EntityType] | None:
    """The name without a leading ``the``, titles, possessives and stray edges, and its type (a title
    makes a person); None if nothing that could be a name is left."""
    if _LINK_OR_HANDLE.search(text) or (entity_type is EntityType.PERSON and "/" in text):
        return None  # a link, a handle, or a photo credit ("Steve Parsons/PA"): none names someone in the story
    words = " ".join(text.replace("\u00a0", " ").split()).strip(" .,;:!?\"'“”‘’()[]-–—").split(" ")
    if _INITIALISM_END.search(text.rstrip(" ,;:!?\"'“”‘’()[]-–—")) or _ABBREVIATION_END.search(text):
        words[-1] += "."  # "U.S." and "First Albany Corp." keep their last full stop: it is part of the name
    if words and words[-1].lower().endswith(("'s", "’s")):
        words[-1] = words[-1][:-2]
    while words and words[0].lower() in _EDGE_WORDS:
        words.pop(0)
    while words and words[-1].lower() in _EDGE_WORDS:
        words.pop()
    if entity_type is not EntityType.ORGANIZATION:
        while len(words) > 1 and _NUMBER_WORD.fullmatch(words[-1]):
            words.pop()  # a score or a count a results table put after a name: "G. Kersey 63"
    titled = bool(words) and words[0].lower().rstrip(".") in PERSON_TITLES
    if _INITIAL_AND_SURNAME.fullmatch(" ".join(words)):
        entity_type = EntityType.PERSON  # "H. Morris": people are written so, organisations are not
    if entity_type is EntityType.PERSON or titled:
        while len(words) > 1 and words[0].lower().rstrip(".") in TITLES:
            words.pop(0)
        if titled and any(word.lower() in ORG_HEADS for word in words):
            return None  # "Minister of Foreign Affairs": a post, not a name
        entity_type = EntityType.PERSON
    if all(word.lower().rstrip(".") in TITLES for word in words):
        return None  # only titles: "Representative", "Leader", "Rear Admiral"
    name = " ".join(word for word in words if word)
    name = _AGENCY_SUFFIX.sub("", name)
    if len(name) < 2 or not any(c.isupper() for c in name) or fold(name) in AGENCIES:
        return None
    if entity_type is EntityType.PERSON and not name[0].isupper():
        return None
    return name, entity_type


_LINK_OR_HANDLE = re.compile(r"://|(?<![\w.])www\.|(?<!\w)@\w")
_AGENCY_SUFFIX = re.compile(r"\s+(?:news agency|news)$")  # "Xinhua news agency", not "ABC News"


_ADDRESS = re.compile(r"(?<!\S)\S*?(?:[/@]|[a-z]\.[a-z])\S*")  # links, handles, domains: pic.twitter.com names no word


def common_words(text: str) -> set[str]:
    """The words the text writes in lower case: capitalised alone (a heading's ``Schedule``, a table's
    ``Sales``, a headline's ``Soccer``) they are still not names."""
    return set(re.findall(r"(?<![\w'-])[a-z][a-z'-]+", _ADDRESS.sub(" ", text)))


def _a_common_word(name: str, lower_case: set[str]) -> bool:
    """One capitalised word (not an acronym) that the text also writes in lower case."""
    return " " not in name and not name.isupper() and name.lower() in lower_case


def acronyms_in(text: str) -> dict[str, str]:
    """Acronym → expansion, as the text defines them (``Long Name (LN)`` or ``LN (Long Name)``) when the
    acronym is made of the expansion's initials."""
    found = {}
    for expansion, acronym in _ACRONYM_AFTER.findall(text):
        found[acronym] = expansion
    for acronym, expansion in _ACRONYM_BEFORE.findall(text):
        found[acronym] = expansion
    return {acronym: _trim_expansion(expansion, acronym) for acronym, expansion in found.items() if
            _trim_expansion(expansion, acronym)}  # fmt: skip


def _initials(words: Sequence[str]) -> str:
    return "".join(word[0] for word in words if word[0].isupper())


def _trim_expansion(expansion: str, acronym: str) -> str:
    """The shortest tail of ``expansion`` whose initials spell the acronym (``Iran's Supreme National
    Security Council`` → ``Supreme National Security Council`` for SNSC), or ''."""
    words = expansion.split()
    for start in range(len(words)):
        tail = words[start:]
        if _initials(tail) == acronym.replace("&", "") and tail[0][0].isupper():
            return " ".join(tail)
    return ""


# A name followed by a score ("Seattle 9", "Surrey 429-7", "Dinamo ( Russia ) 81"; not a dateline's
# "Kabul 15 February" or "Tehran 26 Bahman 1402"), or beside a verb of a match ("Surrey beat Warwickshire").
_SCORE_AFTER = re.compile(r"\s*(?:\(\s*[A-Z][\w .'-]*\)\s*)?\d+(?:-\d+)?(?=[\s,;.)]|$)(?!\s*" + MONTH_NAME + ")")
_SCORE = re.compile(r"(?<![\w.])\d+(?:-\d+)?(?![\w.])")
_NUMBER_WORD = re.compile(r"[\d.,:/-]+")
_MATCH_VERB_AFTER = re.compile(r"\s+(?:beat|beats|defeated|drew with|lost to|v|vs\.?)\s+[A-Z]")
_MATCH_VERB_BEFORE = re.compile(r"\b(?:beat|beats|defeated|drew with|lost to|v|vs\.?)\s+$")


def _line_at(text: str, position: int) -> str:
    line_end = text.find("\n", position)
    return text[text.rfind("\n", 0, position) + 1 : line_end if line_end >= 0 else len(text)]


def _results_line(line: str) -> bool:
    """A line of results: two scores or more, and dense with figures (one word in seven or more), which a
    paragraph of prose that happens to hold two numbers is not."""
    scores = len(_SCORE.findall(line))
    return scores >= 2 and scores * 7 >= len(line.split())


def _playing(text: str, mention: Mention) -> bool:
    """Whether a place name stands for a team here: a score after it on a results line, or a match verb."""
    end = mention.start + len(mention.text.rstrip("0123456789-").rstrip())  # the model may take in the score
    line_start = text.rfind("\n", 0, mention.start) + 1
    if _MATCH_VERB_AFTER.match(text, end) or _MATCH_VERB_BEFORE.search(
        text[max(line_start, mention.start - 20) : mention.start]
    ):
        return True
    return bool(_SCORE_AFTER.match(text, end)) and _results_line(_line_at(text, mention.start))


def _is_country(name: str) -> bool:
    place = locate(name)
    return place is not None and place.is_country


def _titled(text: str, mention: Mention) -> bool:
    """Whether a title stands before the name, in the mention (``President Clinton``) or just before it."""
    words = text[max(0, mention.start - 20) : mention.start].split()[-1:] + mention.text.split()[:1]
    return any(word.lower().rstrip(".") in PERSON_TITLES for word in words)


# Before a place where something happens: "in Leeds", "at Headingley", "Leicester :" heading a result.
_VENUE_BEFORE = re.compile(
    r"\b(?:in|at|near|from|to|of|outside|around|across|visit|visited|visiting)\s+$", re.IGNORECASE
)
# After a place that heads a line: a result's colon, or the rest of a dateline ("MILWAUKEE, Wisconsin
# 1996-08-30", "LONDON, Aug 30 (Reuters) -", "Tehran(IP) -").
_VENUE_AFTER = re.compile(
    r"\s*(?::|(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)?[,\s]*(?:\d{4}-\d{2}-\d{2}|" + MONTH_NAME + r"|\(\w+\)\s*[-:]))"
)


_CLUB = "\x00club"  # the key of a club's group beside its town's


def _venue(text: str, mention: Mention) -> bool:
    """Whether a place name stands as the place where something is (a venue, a dateline), not its team."""
    end = mention.start + len(mention.text)
    if _VENUE_BEFORE.search(text[max(0, mention.start - 12) : mention.start]):
        return True
    line_start = text.rfind("\n", 0, mention.start) + 1
    return not text[line_start : mention.start].strip() and bool(_VENUE_AFTER.match(text, end))


def resolve(mentions: Iterable[Mention], text: str, *, max_entities: int = 50, sport: bool = False) -> list[Entity]:
    """Mentions → entities: cleaned, typed by the gazetteer, merged, counted, ranked by salience.

    :param sport: the article is a sports story, where a town or county is its club unless it is where
        something happens (``Leeds beat Surrey``, but ``in Leeds``).
    """
    groups: dict[str, _Group] = defaultdict(_Group)
    lower_case = common_words(text)
    cleaned_mentions = [
        (mention, cleaned)
        for mention in (
            part
            for whole in mentions
            for name in split_joined(whole)
            for part in split_trailing_person(trim_figures(name, text))
        )
        if (cleaned := clean_name(mention.text, LABELS[mention.label])) is not None
        and not _a_common_word(cleaned[0], lower_case)
    ]
    # Names this text gives a person (``President Clinton``, ``Bill Clinton``): the gazetteer's town of
    # Clinton must not turn them into places.
    persons = {
        fold(part)
        for mention, (name, entity_type) in cleaned_mentions
        if entity_type is EntityType.PERSON and (_titled(text, mention) or not is_place(name))
        for part in (name, name.split()[-1])
    }
    surnames = {
        fold(name.split()[-1])
        for _, (name, entity_type) in cleaned_mentions
        if entity_type is EntityType.PERSON and " " in name
    }
    for mention, (name, entity_type) in cleaned_mentions:
        one_word_person = entity_type is EntityType.PERSON and " " not in name and fold(name) not in surnames
        if one_word_person and _playing(text, mention):
            entity_type = EntityType.ORGANIZATION  # one word with a score after it, nobody's surname: a team
        taken_for_person = entity_type is EntityType.PERSON and fold(name) not in persons
        if (taken_for_person or entity_type is EntityType.ORGANIZATION) and is_place(name):
            entity_type = EntityType.LOCATION  # a place the model took for a person or an organisation
        club = (
            entity_type is EntityType.LOCATION
            and (_playing(text, mention) or (sport and not _venue(text, mention)))
            and not _is_country(name)
        )
        if club:
            entity_type = EntityType.ORGANIZATION  # a club named after its town: "Seattle 9 Baltimore 6"
        # The club and its town are two entities when both are named ("Seattle 9 Baltimore 6 … in Seattle").
        group = groups[fold(name) + (_CLUB if club else "")]
        group.names[name] += 1
        group.types[entity_type] += 1
        group.weight += mention.weight
        group.mentions += 1
    _merge_qualified_organizations(groups)
    _merge_acronyms(groups, acronyms_in(text))
    _merge_partial_person_names(groups)
    _merge_same_places(groups)
    if not groups:
        return []
    top = max(group.weight for group in groups.values())
    entities = []
    for group in sorted(groups.values(), key=lambda g: (-g.weight, -g.mentions)):
        entity_type = group.types.most_common(1)[0][0]
        name = _canonical(group)
        aliases = sorted(alias for alias in group.names if alias != name)
        entities.append(
            Entity(
                name=name,
                type=entity_type,
                aliases=aliases,
                mentions=group.mentions,
                salience=round(group.weight / top, 3),
            )
        )
    countries = frozenset(
        place.geo.country_code or ""
        for entity in entities
        if entity.type is EntityType.LOCATION and (place := locate(entity.name)) and place.is_country
    )
    located = [
        entity.model_copy(update={"geo": place.geo})
        if entity.type is EntityType.LOCATION and (place := locate(entity.name, countries))
        else entity
        for entity in entities[:max_entities]
    ]
    return attach_roles(located, text)


# Words a post is made of: "Secretary", "Vice President and Chairman", "Deputy Foreign Minister".
_POST_WORDS = TITLES | {"and", "general", "first", "acting", "former", "executive", "national", "security", "adviser"}


def _post(words: str) -> str | None:
    """The post in the words before ``of``, if they are one (the last few words that are all title words)."""
    tokens = words.split()
    post: list[str] = []
    for token in reversed(tokens[-5:]):
        if token.lower().strip(",") not in _POST_WORDS:
            break
        post.insert(0, token)
    while post and post[0].lower() in {"and", "the"}:
        post.pop(0)
    return " ".join(post) if post and post[-1].lower() in TITLES else None


# A role is stated as "<post> of <organisation>", its last word a title ("Secretary of", "Minister of").
_WORD_BEFORE_OF = re.compile(r"([\w.-]+),? of\s")


def _post_before_of(text: str) -> bool:
    return any(match.group(1).lower() in TITLES for match in _WORD_BEFORE_OF.finditer(text))


def attach_roles(entities: list[Entity], text: str) -> list[Entity]:
    """Posts the text gives persons, by apposition: ``Ali Akbar Ahmadian, the Secretary of the Supreme
    National Security Council`` and ``the Secretary of the Security Council of the Kyrgyz Republic Marat
    Imankulov`` → person → (post, organisation)."""
    names = {
        alias: entity.name
        for entity in entities
        if entity.type in {EntityType.PERSON, EntityType.ORGANIZATION}
        for alias in [entity.name, *entity.aliases]
        if len(alias) > 2
    }
    type_of = {entity.name: entity.type for entity in reversed(entities)}  # the first entity of a name wins
    persons = [alias for alias, name in names.items() if type_of[name] is EntityType.PERSON]
    organizations = [alias for alias, name in names.items() if type_of[name] is EntityType.ORGANIZATION]
    if not persons or not organizations or not _post_before_of(text):
        return entities  # the patterns below are built per article: not worth it without a post before "of"
    person = "|".join(re.escape(p) for p in sorted(persons, key=len, reverse=True))
    organization = "|".join(re.escape(o) for o in sorted(organizations, key=len, reverse=True))
    words = r"((?:[A-Za-z-]+,? ){1,6}?)"
    after = re.compile(
        rf"(?P<person>{person}),\s+(?:the\s+)?{words}of\s+(?:the\s+)?(?:\w+['’]s?\s+)?(?P<org>{organization})"
    )
    before = re.compile(rf"{words}of\s+(?:the\s+)?(?P<org>{organization}),?\s+(?P<person>{person})\b")
    roles: dict[str, list[Role]] = defaultdict(list)
    for pattern in (after, before):
        for match in pattern.finditer(text):
            post = _post(match.group(2 if pattern is after else 1))
            if post is None:
                continue
            role = Role(title=post, organization=names[match.group("org")])
            holder = names[match.group("person")]
            if role not in roles[holder]:
                roles[holder].append(role)
    return [entity.model_copy(update={"roles": roles[entity.name]}) if entity.name in roles else entity
            for entity in entities]  # fmt: skip


def _qualified(name: str) -> bool:
    head, separator, place = name.rpartition(" of ")
    return bool(separator and head) and is_place(place)


def _canonical(group: _Group) -> str:
    """Not an acronym when the expansion is known, not ``X of <place>`` when ``X`` is used; for persons the
    fullest name, for the rest the most used spelling; the gazetteer's name for a place."""
    entity_type = group.types.most_common(1)[0][0]
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


def _merge(groups: dict[str, _Group], source: str, target: str) -> None:
    if source != target and source in groups and target in groups:
        groups[target].add(groups.pop(source))


def _merge_acronyms(groups: dict[str, _Group], defined: dict[str, str]) -> None:
    """``SNSC`` joins ``Supreme National Security Council``: when the text defines it (then it is an alias
    even if the model never tagged it), or when exactly one organisation's initials spell it."""
    for acronym, expansion in defined.items():
        target = fold(expansion)
        if target in groups:
            groups[target].names[acronym] = groups[target].names.get(acronym, 0)
            _merge(groups, fold(acronym), target)
    organizations = [key for key, g in groups.items() if g.types.most_common(1)[0][0] is EntityType.ORGANIZATION]
    for key in list(groups):
        surface = groups[key].names.most_common(1)[0][0] if key in groups else ""
        if not (surface.isupper() and 2 <= len(surface) <= 10):
            continue
        spelled = [
            org
            for org in organizations
            if org != key and org in groups and any(_initials(name.split()) == surface for name in groups[org].names)
        ]
        if len(spelled) == 1:
            _merge(groups, key, spelled[0])


def _merge_same_places(groups: dict[str, _Group]) -> None:
    """``Islamic Republic of Iran`` joins ``Iran``; ``US`` joins ``United States``: one GeoNames place."""
    seen: dict[int, str] = {}
    for key in list(groups):
        if groups[key].types.most_common(1)[0][0] is not EntityType.LOCATION:
            continue
        place = locate(key)
        if place is None or place.geo.geonames_id is None:
            continue
        if place.geo.geonames_id in seen:
            _merge(groups, key, seen[place.geo.geonames_id])
        else:
            seen[place.geo.geonames_id] = key


def _merge_qualified_organizations(groups: dict[str, _Group]) -> None:
    """``Supreme National Security Council of Iran`` joins ``Supreme National Security Council``."""
    for key in list(groups):
        head, separator, place = key.rpartition(" of ")
        if separator and head in groups and is_place(place):
            _merge(groups, key, head)


def _merge_partial_person_names(groups: dict[str, _Group]) -> None:
    """``Shamkhani`` joins ``Ali Shamkhani`` when exactly one fuller name in the text ends (or starts) so,
    also when the model took the surname alone for an organisation (``Shearer`` beside ``Alan Shearer``)."""
    persons = [key for key, g in groups.items() if g.types.most_common(1)[0][0] is EntityType.PERSON]
    surnames = {
        key
        for key, g in groups.items()
        if g.types.most_common(1)[0][0] is EntityType.ORGANIZATION
        and " " not in key
        and not key.endswith(_CLUB)
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
