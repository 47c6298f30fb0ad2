"""Dates in any calendar the news is written in, as Gregorian days."""

from __future__ import annotations

from datetime import date

import pytest

from schemas import Calendar
from services.processor.dates import find_dates


@pytest.mark.parametrize(
    ("text", "day", "calendar"),
    [
        ("before noon on Thursday 26 Bahman 1402 ( February 15, 2024)", date(2024, 2, 15), Calendar.PERSIAN),
        ("on 1 Farvardin 1403", date(2024, 3, 20), Calendar.PERSIAN),
        ("on 12 Mordad 1401", date(2022, 8, 3), Calendar.PERSIAN),
        ("dated 5 Sha'ban 1445 AH", date(2024, 2, 15), Calendar.HIJRI),
        ("from 1 Ramadan 1445", date(2024, 3, 11), Calendar.HIJRI),
        ("on February 15, 2024", date(2024, 2, 15), Calendar.GREGORIAN),
        ("on 15 February 2024", date(2024, 2, 15), Calendar.GREGORIAN),
        ("on Feb. 15, 2024", date(2024, 2, 15), Calendar.GREGORIAN),
        ("updated 2024-02-15", date(2024, 2, 15), Calendar.GREGORIAN),
    ],
)
def test_a_written_date_becomes_a_gregorian_day_with_its_calendar(text, day, calendar):
    first = find_dates(text)[0]
    assert (first.date, first.calendar) == (day, calendar)


def test_both_calendars_of_one_sentence_are_found_in_order():
    found = find_dates("on Thursday 26 Bahman 1402 ( February 15, 2024).")
    assert [(d.text, d.calendar) for d in found] == [
        ("26 Bahman 1402", Calendar.PERSIAN),
        ("February 15, 2024", Calendar.GREGORIAN),
    ]


@pytest.mark.parametrize("text", ["30 February 2024", "31 Esfand 1402", "the year 1402 saw", "32 Bahman 1402"])
def test_impossible_or_incomplete_dates_are_ignored(text):
    assert find_dates(text) == []


PUBLISHED = date(2024, 2, 15)  # a Thursday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The delegation arrived this morning.", ("this morning", "2024-02-15")),
        ("Talks ended late last night.", ("last night", "2024-02-14")),
        ("The minister spoke on Monday.", ("on Monday", "2024-02-12")),
        ("The minister spoke on Thursday.", ("on Thursday", "2024-02-15")),
        ("They met last Thursday.", ("last Thursday", "2024-02-08")),
        ("He will return on Saturday.", ("on Saturday", "2024-02-17")),
        ("Talks resume next Monday.", ("next Monday", "2024-02-19")),
        ("The vote is tomorrow.", ("tomorrow", "2024-02-16")),
    ],
)
def test_relative_dates_are_resolved_against_the_publication_day(text, expected):
    (mention,) = find_dates(text, PUBLISHED)
    assert (mention.text, mention.date.isoformat(), mention.calendar) == (*expected, "gregorian")


def test_a_weekday_followed_by_its_date_is_not_a_second_date_and_nothing_is_guessed_without_a_day():
    text = "He left on Thursday 26 Bahman 1402 (February 15, 2024) and returned on Friday."
    assert [m.text for m in find_dates(text, PUBLISHED)] == ["26 Bahman 1402", "February 15, 2024", "on Friday"]
    assert [m.text for m in find_dates(text)] == ["26 Bahman 1402", "February 15, 2024"]


def test_a_relative_date_at_the_edge_of_the_calendar_is_skipped_not_a_crash():
    assert find_dates("He left on Thursday.", date.min) == []
    assert [m.date for m in find_dates("He left on Thursday.", date(2024, 2, 17))] == [date(2024, 2, 15)]
