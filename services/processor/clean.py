"""Cleaning: RawArticle → CleanArticle, a pure function with no I/O.

Extraction (HTML → text and metadata), Unicode and whitespace normalisation, then the wire-story
rules: dateline, agency prefixes glued to the text, ``Related News:`` lines, ``Read More:`` trailers and
headline lists, stray view counters, teaser strips and sign-up forms, picture credits glued to captions, and
the publisher's rights notice closing the page.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from itertools import takewhile

from schemas import CleanArticle, Dateline, RawArticle
from services.common.metadata import dedupe_names, parse_datetime, plausible_date, read_page_metadata, same_site
from services.common.text import without_controls
from services.processor.language import detect_language

# Bodies beyond this are truncated (and flagged): longer than any news story, and Elasticsearch
# highlighting and Lucene's per-term limits degrade on multi-megabyte fields.
MAX_BODY_CHARS = 200_000

# Fewer words than this from an extractor means it missed the article; try the next method.
_MIN_WORDS = 25

# Agency abbreviations seen in datelines, expanded to the name a reader knows.
AGENCIES = {
    "IP": "Iran Press",
    "IRNA": "IRNA",
    "REUTERS": "Reuters",
    "AP": "Associated Press",
    "AFP": "Agence France-Presse",
    "UPI": "United Press International",
    "DPA": "Deutsche Presse-Agentur",
    "ANI": "Asian News International",
    "PTI": "Press Trust of India",
    "XINHUA": "Xinhua",
    "TASS": "TASS",
    "IANS": "IANS",
    "EFE": "EFE",
    "ANSA": "ANSA",
    "KYODO": "Kyodo",
    "YONHAP": "Yonhap",
    "BERNAMA": "Bernama",
    "APA": "APA",
    "WAFA": "WAFA",
    "SPA": "Saudi Press Agency",
    "WAM": "WAM",
    "MENA": "Middle East News Agency",
    "IRIB": "IRIB",
    "ISNA": "ISNA",
    "MEHR": "Mehr News Agency",
    "TASNIM": "Tasnim News Agency",
    "FARS": "Fars News Agency",
    "CNN": "CNN",
    "BBC": "BBC",
}
_AGENCY_NAMES = sorted({*AGENCIES.values(), "Iran Press", "IRNA", "Reuters"}, key=len, reverse=True)

# "Tehran(IP) -", "Bishkek(IP):", "ALMATY (Reuters) —", "KABUL, Feb 15 (Reuters) -"
_DATELINE = re.compile(
    r"^(?P<city>[A-Z][A-Za-z.'’-]*(?:[ -][A-Z][A-Za-z.'’-]*){0,3})"
    r"(?:,\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2})?"
    r"\s*\((?P<agency>[A-Za-z][A-Za-z .&-]{0,30})\)\s*[-–—:]+\s*"
)
# An agency name glued to a section label: "Iran PressIran news:", "Iran PressAsia:".
_GLUED_PREFIX = re.compile(
    r"^(?:" + "|".join(re.escape(name) for name in _AGENCY_NAMES) + r")(?=[A-Z])[^:\n]{1,40}:\s*"
)
# "According to Iran press," left after such a prefix: attribution to the agency that wrote the story.
_ATTRIBUTION = re.compile(
    r"^According to (?:" + "|".join(re.escape(name) for name in _AGENCY_NAMES) + r")\s*,\s*", re.IGNORECASE
)
_RELATED = re.compile(r"^(?:Related (?:News|Stories|Articles|Content)|See also|Also read)\s*:\s*(?P<rest>.*)$", re.I)
_READ_MORE = re.compile(r"^(?:Read More|Read also|More on this|Related)\s*:?\s*(?P<rest>.*)$", re.I)
# A link to another story inside the text: "READ MORE: 2 lions killed in Chile zoo" (a label, a colon, a headline
# of _HEADLINE_WORDS words at most: a longer paragraph is the story's own).
_HEADLINE_WORDS = 25
_READ_MORE_LINK = re.compile(r"^(?:Read More|Read also|More on this|Related)\s*:\s*(?P<rest>\S.*)$", re.I)
# A broadcast transcript's stage direction on its own line: "(SOUNDBITE OF ARCHIVED RECORDING)", "(LAUGHTER)",
# "(BEGIN VIDEO CLIP)". Nobody says it; read as a sentence, its capitals become names.
_STAGE_DIRECTION = re.compile(
    r"\((?:SOUNDBITE OF [A-Z0-9 ,.'’-]+|LAUGHTER|APPLAUSE|MUSIC|CROSSTALK|(?:BEGIN|END) [A-Z ]*CLIP)\)"
)
_COUNTER = re.compile(r"^\d{1,7}(?:\s*(?:views?|reads?|comments?))?$", re.I)
# Page furniture that asks the reader to do something; never part of a story when it stands alone.
_CALL_TO_ACTION = re.compile(
    r"^(?:sign up\b|subscribe\b|thanks for (?:signing up|subscribing)|share (?:this|it)\b|"
    r"like this (?:story|article)\?|follow us\b|click here\b|read more:?$|advertisement$|download (?:our|the) app)",
    re.IGNORECASE,
)
# A newsroom asking for tips, with its address and numbers: "We pay for your stories! Do you have a story for The
# Sun Online news team? Email us at … or call …". Longer than other calls, and as plainly not the story.
_TIP_REQUEST = re.compile(
    r"^(?:we pay for (?:your )?(?:stories|videos)|(?:do you have|have you got|got) a (?:story|video|news tip) for\b)",
    re.IGNORECASE,
)
_TIP_REQUEST_WORDS = 60
_CONTACT = re.compile(r"\b[\w.+-]+@[\w-]+\.\w|\b\d{3,5}[ -]?\d{3}[ -]?\d{3,4}\b")  # an address or a number
# A tabloid's strip of teasers for other stories: each starts with a kicker in capitals ("BRAIN BUG Ancient virus
# could be … HATS OFF Nintendo reveals …"). Three kickers of two words or more, each before the capitalised first
# word of its teaser, in one paragraph of mixed case (not "the US CDC, UK HSA and EU ECDC").
_KICKER = re.compile(r"(?<![\w'’-])[A-Z][A-Z'’-]+(?:[ \t]+[A-Z][A-Z'’-]*)+[?!:]?(?=[ \t]+[A-Z][a-z])")
# A sign-up form flattened into text: "Sign up for … Invalid email address. Please re-enter. … Required field".
_FORM_PHRASE = re.compile(
    r"\b(?:e-?mail address is invalid|please enter an e-?mail|enter your e-?mail|invalid e-?mail|e-?mail address|"
    r"sign up|subscribe|newsletters?|re-enter|required field|not a robot|privacy (?:policy|notice)|"
    r"terms of (?:use|service)|unsubscribe|register with)\b",
    re.IGNORECASE,
)
# A publisher's notice of its rights ("Copyright © 2018 NPR. All rights reserved."), among the last paragraphs.
_RIGHTS_NOTICE = re.compile(r"^(?:copyright[ \t]*(?:©|\(c\))?|©)[ \t]*\d{4}\b", re.IGNORECASE)
_RIGHTS_RESERVED = re.compile(r"\ball rights reserved\b|\bmay not be (?:published|reproduced)\b", re.IGNORECASE)
_NOTICE_WITHIN, _NOTICE_CHARS = 3, 400
# A picture agency's credit glued to the caption or paragraph it heads: "Getty Images The Brazilian is retiring",
# "Reuters Every 29.5 days", "AFP Police made arrests"; not the agency's own names and posts ("Reuters Institute",
# "Getty Images CEO Craig Peters", "PA Media"), nor EPA, which is also the US agency.
_GLUED_PHOTO_CREDIT = re.compile(
    r"^(?:Getty Images|AFP|Reuters|PA|Shutterstock|Alamy|WireImage|Rex Features)(?:/(?:Getty Images|AFP|Reuters))?"
    r"[ \t]+(?=[A-Z])(?!(?:Institute|Media|CEO|Chief|Editor|Breakingviews|Graphics|Images|Photo|Pictures|Foundation|"
    r"Group|News|Television|TV|Plus|Holdings|Agency|Wire|Connect)\b)"
)
_BULLETS = ("- ", "• ", "* ")
_STRAIGHT_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_STRAIGHTEN = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
# A byline standing alone near the top of a plain-text story: "By Jane Doe and John Roe".
_NAME = r"[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}"
_BYLINE = re.compile(rf"^By\s+(?P<names>{_NAME}(?:\s*(?:,|\band\b|&)\s*{_NAME})*)\s*[,;]?\s*$")
_SENTENCE_END = re.compile(r"[.!?…\"”’)]$")
_SPACES = re.compile(r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u180e]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


class CleaningError(ValueError):
    """The article has nothing left to keep (empty, or no text could be extracted)."""


@dataclass(frozen=True)
class _Paragraph:
    text: str
    gap_before: int  # blank lines separating it from the previous paragraph


@dataclass
class WireParts:
    """What the wire-story rules found and removed."""

    body: str
    dateline: Dateline | None = None
    related_headlines: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)


def normalize_text(text: str) -> str:
    """NFC, one kind of space, no zero-width characters, paragraphs separated by one blank line."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n\n".join(_join_paragraphs(lines))


def _join_paragraphs(lines: list[str]) -> list[str]:
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _paragraphs_with_gaps(text: str) -> list[_Paragraph]:
    result, gap = [], 0
    for line in unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _SPACES.sub(" ", _ZERO_WIDTH.sub("", line)).strip()
        if not line:
            gap += 1
            continue
        result.append(_Paragraph(line, gap))
        gap = 0
    return result


def _headline_like(text: str) -> bool:
    words = text.split()
    return 1 < len(words) <= 20 and not _SENTENCE_END.search(text) and text[0].isupper()


def parse_dateline(paragraph: str) -> tuple[Dateline | None, str]:
    """Split a leading dateline off the first paragraph: ``Tehran(IP) - Iran's…`` → (Tehran, Iran Press)."""
    match = _DATELINE.match(paragraph)
    if not match:
        return None, paragraph
    city = match.group("city").strip()
    if city.isupper():
        city = city.title()
    code = match.group("agency").strip()
    agency = AGENCIES.get(code.upper().replace(" ", ""), code)
    return Dateline(city=city, agency=agency), paragraph[match.end() :]


_FORM_ONLY = {"sign up", "enter your email", "enter your e-mail", "invalid email", "invalid e-mail", "required field",
              "not a robot", "please enter an email", "email address is invalid"}  # fmt: skip


def _rights_notice(paragraph: str, *, last: bool) -> bool:
    """A short paragraph that reserves the publisher's rights, or the last one stating its copyright: not
    "Copyright 2019 reforms were meant to help artists, Voss said." before the story's last paragraph."""
    if len(paragraph) > _NOTICE_CHARS:
        return False
    return bool(_RIGHTS_RESERVED.search(paragraph) or (last and _RIGHTS_NOTICE.match(paragraph)))


def _read_more_link(paragraph: str) -> re.Match[str] | None:
    link = _READ_MORE_LINK.match(paragraph)
    return link if link and len(link.group("rest").split()) <= _HEADLINE_WORDS else None


def _sign_up_form(paragraph: str) -> bool:
    """Three phrases of a sign-up form, two of them only a form uses (a story about a privacy policy and a
    newsletter has the others)."""
    phrases = {phrase.lower().replace("e-mail", "email") for phrase in _FORM_PHRASE.findall(paragraph)}
    return len(phrases) >= 3 and len(phrases & _FORM_ONLY) >= 2


def _teaser_strip(paragraph: str) -> bool:
    kickers = [kicker for kicker in _KICKER.findall(paragraph) if sum(map(str.isalpha, kicker)) >= 5]
    return len(kickers) >= 3 and any(c.islower() for c in paragraph)


def strip_wire_boilerplate(text: str) -> WireParts:
    """Apply the wire-story rules to a plain-text body, keeping every sentence of the story."""
    paragraphs = _paragraphs_with_gaps(text)
    related: list[str] = []

    # A headline list closing the page: after "Read More:", or set apart by wider gaps. A bare "Read more" whose
    # link text the page lost, with the story going on after it (a paragraph longer than a headline before the
    # next label), is only a stray label, and a list may still follow. Cutting a story short costs more than
    # keeping a teaser.
    index = 1
    while index < len(paragraphs):
        label = _READ_MORE.match(paragraphs[index].text)
        if label and (not label.group("rest") or index >= len(paragraphs) - 1):
            after = paragraphs[index + 1 :]
            before_next = takewhile(lambda p: not _READ_MORE.match(p.text), after)
            if label.group("rest") or all(len(p.text.split()) <= _HEADLINE_WORDS for p in before_next):
                trailer = [label.group("rest")] if label.group("rest") else []
                related.extend(trailer + [p.text for p in after])
                paragraphs = paragraphs[:index]
                break
            del paragraphs[index]  # a stray label: the story goes on after it
            continue
        index += 1
    # The publisher's legal notice closing the page, and whatever fine print follows it.
    notice = next((i for i in range(max(1, len(paragraphs) - _NOTICE_WITHIN), len(paragraphs))
                   if _rights_notice(paragraphs[i].text, last=i == len(paragraphs) - 1)), None)  # fmt: skip
    if notice is not None:
        paragraphs = paragraphs[:notice]
    tail: list[str] = []
    while len(paragraphs) > 1 and paragraphs[-1].gap_before >= 2 and _headline_like(paragraphs[-1].text):
        tail.insert(0, paragraphs.pop().text)
    trailer = tail + related
    related = []

    kept: list[str] = []
    dateline: Dateline | None = None
    authors: list[str] = []
    for index, paragraph in enumerate(paragraphs):
        line = paragraph.text
        byline = _BYLINE.match(line) if index < 3 and not authors else None
        if byline:
            authors = dedupe_names([byline.group("names")])
            continue
        if index == 0:
            dateline, line = parse_dateline(line)
        line = _GLUED_PHOTO_CREDIT.sub("", line)
        glued = _GLUED_PREFIX.match(line)
        if glued:
            line = _ATTRIBUTION.sub("", line[glued.end() :])
            line = line[:1].upper() + line[1:]
        link = _RELATED.match(line) or _read_more_link(line)
        if link:
            if link.group("rest"):
                related.append(link.group("rest").strip())
            continue
        if _COUNTER.match(line) or _STAGE_DIRECTION.fullmatch(line):
            continue
        if _teaser_strip(line) or _sign_up_form(line) or _tip_request(line):
            continue  # teasers for other stories, a newsletter form, a call for tips: not this story's text
        if line:
            kept.append(line)
    return WireParts(
        body="\n\n".join(kept), dateline=dateline, related_headlines=_unique(related + trailer), authors=authors
    )


def consistent_quotes(text: str) -> str:
    """One quotation style per article: the one it mostly uses. Curly quotes are never lost to
    straight ones when they are the article's style; a minority of the other style is converted."""
    curly = sum(text.count(mark) for mark in "‘’“”")
    straight = text.count('"') + len(_STRAIGHT_APOSTROPHE.findall(text)) + text.count("'")
    if curly == 0 or straight == 0:
        return text
    if straight > curly:
        return text.translate(_STRAIGHTEN)
    text = _STRAIGHT_APOSTROPHE.sub("’", text)
    text = re.sub(r"(^|[\s(\[{—–-])'", r"\1‘", text)
    text = text.replace("'", "’")
    text = re.sub(r'(^|[\s(\[{—–-])"', r"\1“", text)
    return text.replace('"', "”")


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [item for item in items if item and not (item in seen or seen.add(item))]  # type: ignore[func-returns-value]


@dataclass(frozen=True)
class Extracted:
    """Text and metadata pulled out of an HTML page."""

    body: str
    method: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    published_at: datetime | None = None
    canonical_url: str | None = None
    language: str | None = None


def extract_html(html: str, url: str | None = None) -> Extracted:
    """Main text with trafilatura (falling back to a looser pass, then all visible text) and metadata
    from the page's own markup first, trafilatura's and htmldate's guesses after."""
    import trafilatura
    from trafilatura.settings import Document

    page = read_page_metadata(html, url)
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if not isinstance(document, Document):
        document = None
    text, method = (document.text or "", "trafilatura") if document is not None else ("", "trafilatura")
    if len(text.split()) < _MIN_WORDS:
        loose = trafilatura.extract(html, url=url, favor_recall=True, include_comments=False)
        text, method = (loose or "", "trafilatura-recall")
    if len(text.split()) < _MIN_WORDS:
        baseline = trafilatura.baseline(html)
        text, method = (baseline[1] if baseline else "", "baseline")
    text = trim_page_furniture(text, [page.headline, *page.h1[:1]], page.descriptions)
    published = page.published_at or _htmldate(html)
    if published is None and document is not None and document.date:
        published = parse_datetime(document.date)
    authors = page.authors or dedupe_names((document.author or "").split(";") if document is not None else [])
    title = page.headline or (document.title if document is not None else None)
    return Extracted(
        body=text,
        method=method,
        title=title,
        authors=tuple(authors),
        published_at=published,
        canonical_url=page.canonical,
        language=document.language if document is not None else None,
    )


def _tip_request(paragraph: str) -> bool:
    return (
        _TIP_REQUEST.search(paragraph) is not None
        and _CONTACT.search(paragraph) is not None
        and len(paragraph.split()) <= _TIP_REQUEST_WORDS
    )


def trim_page_furniture(text: str, headlines: list[str | None], descriptions: list[str]) -> str:
    """Remove what page templates put around a story: the headline and standfirst repeated at the top
    (they have fields of their own), calls to action, and a closing list of links to other stories."""
    paragraphs = [p for p in text.split("\n") if p.strip()]
    repeated = {_fold(h) for h in [*headlines, *descriptions] if h}
    while paragraphs and _fold(paragraphs[0]) in repeated:
        paragraphs.pop(0)
    paragraphs = [
        p for p in paragraphs if not (_CALL_TO_ACTION.search(p) and len(p.split()) <= 25) and not _tip_request(p)
    ]
    prose = sum(not p.startswith(_BULLETS) for p in paragraphs)
    while prose >= 2 and paragraphs and paragraphs[-1].startswith(_BULLETS) and len(paragraphs[-1].split()) <= 40:
        paragraphs.pop()
    return "\n".join(paragraphs)


def _fold(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _htmldate(html: str) -> datetime | None:
    from htmldate import find_date

    try:
        found = find_date(html, original_date=True, extensive_search=False, outputformat="%Y-%m-%d")
    except (ValueError, TypeError):
        return None
    return parse_datetime(found) if found else None


def clean(raw: RawArticle) -> CleanArticle:
    """The whole cleaning stage for one article; raises CleaningError when nothing is left."""
    title = raw.title
    published_at = raw.published_at
    authors: tuple[str, ...] = ()
    canonical_url = raw.canonical_url or raw.url
    language = raw.language_hint
    if raw.html and not (raw.text and raw.text.strip()):
        extracted = extract_html(raw.html, raw.url)
        text, method = extracted.body, extracted.method
        title = title or extracted.title
        # The page's own date is the publisher's word; a feed's date is a fallback.
        published_at = extracted.published_at or published_at
        authors = extracted.authors
        if raw.canonical_url is None and extracted.canonical_url and same_site(extracted.canonical_url, raw.url):
            canonical_url = extracted.canonical_url
        language = language or extracted.language
    else:
        text, method = raw.text or "", "text"
    published_at = plausible_date(published_at, raw.fetched_at)
    # A title or body carrying escape sequences would act on every terminal that later shows it.
    text = without_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    title = without_controls(title) if title else title
    parts = strip_wire_boilerplate(text)
    body = consistent_quotes(parts.body)
    authors = tuple(filter(None, map(without_controls, authors))) or tuple(parts.authors)
    if not body.strip():
        raise CleaningError("no article text left after extraction and cleaning")
    truncated = len(body) > MAX_BODY_CHARS
    if truncated:
        body = body[:MAX_BODY_CHARS].rsplit(" ", 1)[0]
    language, language_confidence = detect_language(f"{title or ''}\n{body}", hint=language)
    return CleanArticle(
        id=raw.id,
        url=raw.url,
        canonical_url=canonical_url,
        source=raw.source,
        title=normalize_text(title) if title else None,
        body=body,
        language=language,
        language_confidence=language_confidence,
        published_at=published_at,
        fetched_at=raw.fetched_at,
        authors=list(authors),
        dateline=parts.dateline,
        related_headlines=parts.related_headlines,
        content_hash=content_hash(body),
        extraction_method=method,
        truncated=truncated,
        backfill=raw.backfill,
    )


def content_hash(body: str) -> str:
    """SHA-256 of the body with case and whitespace folded, so trivial re-renders hash alike."""
    folded = " ".join(body.casefold().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()
