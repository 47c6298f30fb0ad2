"""Acronyms and their expansions, as a text defines them: ``Supreme National Security Council (SNSC)``."""

from __future__ import annotations

import re

from services.common.text import initials

_ACRONYM_AFTER = re.compile(
    r"([A-Z][\w&'.-]*(?:[ \t]+(?:of|for|and|the|on|de|la|[A-Z][\w&'.-]*))+)[ \t]*\(([A-Z][A-Z0-9&]{1,9})\)"
)
_ACRONYM_BEFORE = re.compile(
    r"\b([A-Z][A-Z0-9&]{1,9})[ \t]*\(([A-Z][\w&'.-]*(?:[ \t]+(?:of|for|and|the|on|[A-Z][\w&'.-]*))+)\)"
)


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


def _trim_expansion(expansion: str, acronym: str) -> str:
    """The shortest tail of ``expansion`` whose initials spell the acronym (``Iran's Supreme National
    Security Council`` → ``Supreme National Security Council`` for SNSC), or ''."""
    words = expansion.split()
    for start in range(len(words)):
        tail = words[start:]
        if initials(tail) == acronym.replace("&", "") and tail[0][0].isupper():
            return " ".join(tail)
    return ""
