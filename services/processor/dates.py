"""Dates written in article text, in the Gregorian, Persian (Solar Hijri) and Hijri lunar calendars.

Each match becomes a :class:`MentionedDate` with the Gregorian day and the calendar it was written in:
``26 Bahman 1402`` → 2024-02-15 (persian), ``5 Sha'ban 1445 AH`` → 2024-02-15 (hijri).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, timedelta

import jdatetime
from hijridate import Hijri

from schemas import Calendar, MentionedDate

_GREGORIAN_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
# Transliterations vary between agencies; all common spellings map to the month number.
_PERSIAN_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("farvardin",),
            ("ordibehesht", "ordibehešt"),
            ("khordad", "khordaad"),
            ("tir",),
            ("mordad", "amordad", "mordaad"),
            ("shahrivar", "shahrivar"),
            ("mehr",),
            ("aban", "aabaan", "abaan"),
            ("azar", "aazar"),
            ("dey", "dei", "day"),
            ("bahman",),
            ("esfand", "esfand", "espand"),
        ],
        start=1,
    )
    for name in names
}
_HIJRI_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("muharram", "moharram"),
            ("safar",),
            ("rabi al-awwal", "rabi' al-awwal", "rabi ul-awwal", "rabi al-awal", "rabi i"),
            ("rabi al-thani", "rabi' al-thani", "rabi al-akhir", "rabi ul-akhir", "rabi ii"),
            ("jumada al-awwal", "jumada al-ula", "jumada i", "jumadal ula"),
            ("jumada al-thani", "jumada al-akhirah", "jumada ii", "jumada al-akhira"),
            ("rajab",),
            ("sha'ban", "shaban", "sha’ban"),
            ("ramadan", "ramazan", "ramadhan"),
            ("shawwal", "shawal"),
            ("dhu al-qadah", "dhu al-qa'dah", "dhul qadah", "dhu al-qidah", "zulqadah"),
            ("dhu al-hijjah", "dhul hijjah", "dhu al-hijja", "zulhijjah"),
        ],
        start=1,
    )
    for name in names
}


def _alternation(names: dict[str, int]) -> str:
    return "|".join(re.escape(name).replace(r"\ ", r"\s+") for name in sorted(names, key=len, reverse=True))


# Any month name of the three calendars, for code that must tell a date from other numbers after a name.
MONTH_NAME = rf"(?i:{_alternation(_GREGORIAN_MONTHS)}|{_alternation(_PERSIAN_MONTHS)}|{_alternation(_HIJRI_MONTHS)})\b"

_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# Persian years in the news are 13xx–14xx; Hijri years 13xx–15xx (optionally marked AH).
_PERSIAN = re.compile(rf"\b{_DAY}\s+(?P<month>{_alternation(_PERSIAN_MONTHS)})\s*,?\s+(?P<year>1[34]\d\d)\b", re.I)
_HIJRI = re.compile(
    rf"\b{_DAY}\s+(?P<month>{_alternation(_HIJRI_MONTHS)})\s*,?\s+(?P<year>1[345]\d\d)(?:\s*(?:AH|A\.H\.|H))?\b", re.I
)
_GREGORIAN_DMY = re.compile(rf"\b{_DAY}\s+(?P<month>{_alternation(_GREGORIAN_MONTHS)})\.?,?\s+{_YEAR}\b", re.I)
_GREGORIAN_MDY = re.compile(rf"\b(?P<month>{_alternation(_GREGORIAN_MONTHS)})\.?\s+{_DAY},?\s+{_YEAR}\b", re.I)
_ISO = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")


def _persian(year: int, month: int, day: int) -> date:
    return jdatetime.date(year, month, day).togregorian()


def _hijri(year: int, month: int, day: int) -> date:
    gregorian = Hijri(year, month, day).to_gregorian()
    return date(gregorian.year, gregorian.month, gregorian.day)


_PATTERNS: list[tuple[re.Pattern[str], Calendar, dict[str, int] | None, Callable[[int, int, int], date]]] = [
    (_PERSIAN, Calendar.PERSIAN, _PERSIAN_MONTHS, _persian),
    (_HIJRI, Calendar.HIJRI, _HIJRI_MONTHS, _hijri),
    (_GREGORIAN_DMY, Calendar.GREGORIAN, _GREGORIAN_MONTHS, date),
    (_GREGORIAN_MDY, Calendar.GREGORIAN, _GREGORIAN_MONTHS, date),
    (_ISO, Calendar.GREGORIAN, None, date),
]


def _month_number(text: str, months: dict[str, int] | None) -> int:
    if months is None:
        return int(text)
    return months[" ".join(text.lower().split())]


_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_RELATIVE = re.compile(
    r"\b(?:(?P<today>today|tonight|this (?:morning|afternoon|evening))|(?P<yesterday>yesterday|last night)"
    r"|(?P<tomorrow>tomorrow)|(?:(?P<which>on|last|next|this|early|late) )?(?P<weekday>"
    + "|".join(_WEEKDAYS)
    + r")(?:'s)?)\b(?!\s*,?\s*(?:\d|"
    + "|".join(name for name in _GREGORIAN_MONTHS if len(name) > 3)
    + r"|may\s+\d))",
    re.IGNORECASE,
)


_FUTURE = re.compile(
    r"\b(?:will|shall|is due|are due|scheduled|expected to|plans? to|is set to|are set to|to be held|upcoming)\b",
    re.IGNORECASE,
)


def _relative_day(match: re.Match[str], reference: date, before: str) -> date:
    """The day a relative expression means in a story published on ``reference``: news speaks of the past
    week (``on Thursday`` is the last Thursday up to today) unless it says ``next`` or the sentence so far
    speaks of the future (``will return on Saturday``)."""
    if match.group("today"):
        return reference
    if match.group("yesterday"):
        return reference - timedelta(days=1)
    if match.group("tomorrow"):
        return reference + timedelta(days=1)
    weekday = _WEEKDAYS.index(match.group("weekday").lower())
    which = (match.group("which") or "").lower()
    back = (reference.weekday() - weekday) % 7
    if which == "next":
        return reference + timedelta(days=(weekday - reference.weekday()) % 7 or 7)
    if which != "last" and _FUTURE.search(re.split(r"[.!?]\s", before)[-1]):
        return reference + timedelta(days=(weekday - reference.weekday()) % 7)
    if which == "last" and back == 0:
        back = 7
    return reference - timedelta(days=back)


def find_dates(text: str, reference: date | None = None) -> list[MentionedDate]:
    """Every valid date written in ``text``, in order of appearance, each span read once. With the story's
    publication day as ``reference``, relative ones too (``on Thursday``, ``this morning``), unless a date
    follows them (``Thursday 26 Bahman 1402`` is the absolute date's weekday)."""
    found: list[tuple[int, MentionedDate]] = []
    taken: list[range] = []
    for pattern, calendar, months, convert in _PATTERNS:
        for match in pattern.finditer(text):
            span = range(match.start(), match.end())
            if any(span.start < other.stop and other.start < span.stop for other in taken):
                continue
            day_value = _to_day(match, months, convert)
            if day_value is None:
                continue
            taken.append(span)
            found.append((match.start(), MentionedDate(text=match.group(0), date=day_value, calendar=calendar)))
    if reference is not None:
        for match in _RELATIVE.finditer(text):
            if any(match.start() < other.stop and other.start < match.end() for other in taken):
                continue
            try:
                day_value = _relative_day(match, reference, text[max(0, match.start() - 120) : match.start()])
            except OverflowError:
                continue  # a reference at the edge of the calendar (a placeholder date): nothing to resolve
            found.append(
                (match.start(), MentionedDate(text=match.group(0), date=day_value, calendar=Calendar.GREGORIAN))
            )
    return [mention for _, mention in sorted(found, key=lambda pair: pair[0])]


def _to_day(
    match: re.Match[str], months: dict[str, int] | None, convert: Callable[[int, int, int], date]
) -> date | None:
    try:
        return convert(int(match.group("year")), _month_number(match.group("month"), months), int(match.group("day")))
    except (ValueError, KeyError, OverflowError):
        return None  # "31 Esfand" in a non-leap year, "30 February": not a date


def unique_dates(mentions: list[MentionedDate]) -> Iterator[MentionedDate]:
    """Drop repeats of the same (text, date) pair, keeping first appearance."""
    seen: set[tuple[str, date]] = set()
    for mention in mentions:
        if (mention.text, mention.date) not in seen:
            seen.add((mention.text, mention.date))
            yield mention
