"""Results tables, score lines and team lists: the names in them the model misses or mistypes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.processor.dates import MONTH_NAME
from services.processor.entities.mention import Mention
from services.processor.places import is_place

INITIAL_AND_SURNAME = re.compile(r"(?<![\w.])((?:[A-Z]\. ){1,2}[A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


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
    for match in INITIAL_AND_SURNAME.finditer(text):
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
        if not _covered(start, end, covered) and not INITIAL_AND_SURNAME.fullmatch(match.group("name")):
            found.append((match.group("name"), "ORG", start))
    return found


_TRAILING_FIGURES = re.compile(r"(?:\s+\d[\d.,:/-]*(?:st|nd|rd|th)?)+$")  # "Kent 108-3", "Robert Pires 46th"
_ISO_DATE = re.compile(r"\s+\d{4}-\d{2}-\d{2}$")


def trim_figures(mention: Mention, text: str) -> Mention:
    """Without the figures the model took into the span: a dateline's date (``Bucharest 1996-08-30``)
    always, a score (``Kent 108-3``, ``H. Morris 69``) on a line of results."""
    trimmed = _ISO_DATE.sub("", mention.text)
    if _TRAILING_FIGURES.search(trimmed) and results_line(line_at(text, mention.start)):
        trimmed = _TRAILING_FIGURES.sub("", trimmed)
    return (
        mention
        if trimmed == mention.text or not trimmed
        else Mention(trimmed, mention.label, mention.start, mention.weight)
    )


# A name followed by a score ("Seattle 9", "Surrey 429-7", "Dinamo ( Russia ) 81"; not a dateline's
# "Kabul 15 February" or "Tehran 26 Bahman 1402"), or beside a verb of a match ("Surrey beat Warwickshire").
_SCORE_AFTER = re.compile(r"\s*(?:\(\s*[A-Z][\w .'-]*\)\s*)?\d+(?:-\d+)?(?=[\s,;.)]|$)(?!\s*" + MONTH_NAME + ")")
_SCORE = re.compile(r"(?<![\w.])\d+(?:-\d+)?(?![\w.])")
NUMBER_WORD = re.compile(r"[\d.,:/-]+")
_MATCH_VERB_AFTER = re.compile(r"\s+(?:beat|beats|defeated|drew with|lost to|v|vs\.?)\s+[A-Z]")
_MATCH_VERB_BEFORE = re.compile(r"\b(?:beat|beats|defeated|drew with|lost to|v|vs\.?)\s+$")


def line_at(text: str, position: int) -> str:
    line_end = text.find("\n", position)
    return text[text.rfind("\n", 0, position) + 1 : line_end if line_end >= 0 else len(text)]


def results_line(line: str) -> bool:
    """A line of results: two scores or more, and dense with figures (one word in seven or more), which a
    paragraph of prose that happens to hold two numbers is not."""
    scores = len(_SCORE.findall(line))
    return scores >= 2 and scores * 7 >= len(line.split())


def playing(text: str, mention: Mention) -> bool:
    """Whether a place name stands for a team here: a score after it on a results line, or a match verb."""
    end = mention.start + len(mention.text.rstrip("0123456789-").rstrip())  # the model may take in the score
    line_start = text.rfind("\n", 0, mention.start) + 1
    if _MATCH_VERB_AFTER.match(text, end) or _MATCH_VERB_BEFORE.search(
        text[max(line_start, mention.start - 20) : mention.start]
    ):
        return True
    return bool(_SCORE_AFTER.match(text, end)) and results_line(line_at(text, mention.start))


# Before a place where something happens: "in Leeds", "at Headingley", "Leicester :" heading a result.
_VENUE_BEFORE = re.compile(
    r"\b(?:in|at|near|from|to|of|outside|around|across|visit|visited|visiting)\s+$", re.IGNORECASE
)
# After a place that heads a line: a result's colon, or the rest of a dateline ("MILWAUKEE, Wisconsin
# 1996-08-30", "LONDON, Aug 30 (Reuters) -", "Tehran(IP) -").
_VENUE_AFTER = re.compile(
    r"\s*(?::|(?:,\s*[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)?[,\s]*(?:\d{4}-\d{2}-\d{2}|" + MONTH_NAME + r"|\(\w+\)\s*[-:]))"
)


def venue(text: str, mention: Mention) -> bool:
    """Whether a place name stands as the place where something is (a venue, a dateline), not its team."""
    end = mention.start + len(mention.text)
    if _VENUE_BEFORE.search(text[max(0, mention.start - 12) : mention.start]):
        return True
    line_start = text.rfind("\n", 0, mention.start) + 1
    return not text[line_start : mention.start].strip() and bool(_VENUE_AFTER.match(text, end))
