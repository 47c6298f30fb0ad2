"""Text that is safe to show: no terminal control sequences, no credentials inside URLs.

Titles, sources and error reasons come from sites nobody vetted; a title carrying ``ESC [2J`` must not clear
an analyst's terminal, and ``http://user:password@host`` must not reach a log line or a status screen.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

# ANSI/VT escape sequences as a whole (CSI, OSC and two-byte forms), so no "[31m" residue is left behind.
_ESCAPE_SEQUENCE = re.compile(r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]|\x1b(?:\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# C0 controls except tab and newline, DEL, and the C1 block.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^/@\s:]*):(?P<password>[^/\s?#]*)@")


def without_controls(text: str) -> str:
    """``text`` with escape sequences and control characters removed; tabs and newlines stay."""
    return _CONTROL.sub("", _ESCAPE_SEQUENCE.sub("", text))


def masked_urls(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***`` (the user name stays: it says which
    account)."""
    return _URL_CREDENTIALS.sub(r"\g<scheme>\g<user>:***@", text)


def url_password(text: str) -> str | None:
    """The password inside ``text`` when it is a URL that carries one."""
    try:
        return urlsplit(text).password or None
    except ValueError:  # not a URL at all (an unbalanced "[", say)
        return None


def redacted(line: str, secrets: Iterable[str]) -> str:
    """``line`` with every secret removed, in whatever form a formatter wrote it, and URL passwords masked.

    A JSON formatter escapes ``"``, ``\\`` and non-ASCII characters and ``repr`` doubles backslashes, so the
    raw value alone would slip through; each written form is replaced.
    """
    for secret in secrets:
        for form in sorted(_written_forms(secret), key=len, reverse=True):
            line = line.replace(form, "***")
    return masked_urls(line)


def _written_forms(secret: str) -> set[str]:
    """The secret as written raw, by ``repr`` or ``unicode_escape``, and each of those escaped again by JSON."""
    bases = {secret, repr(secret)[1:-1], secret.encode("unicode_escape").decode("ascii")}
    return {
        form for base in bases for form in (base, json.dumps(base)[1:-1], json.dumps(base, ensure_ascii=False)[1:-1])
    } - {""}


def initials(words: Sequence[str]) -> str:
    """The capitals that start the words: what an acronym of them spells (``Supreme National Security
    Council`` → ``SNSC``; small words like ``of`` are skipped)."""
    return "".join(word[0] for word in words if word[:1].isupper())
