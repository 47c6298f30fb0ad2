"""A mention's text → a name: spans split where names never join, titles, possessives and credits removed."""

from __future__ import annotations

import re
from itertools import takewhile

from schemas import EntityType
from services.processor.entities.given_names import given_names
from services.processor.entities.mention import HEADLINE_WEIGHT, Mention
from services.processor.entities.tables import INITIAL_AND_SURNAME, NUMBER_WORD, line_at
from services.processor.entities.vocabulary import (
    AGENCIES,
    DEMONYM_NOUNS,
    EDGE_WORDS,
    LABELS,
    ORG_HEADS,
    PERSON_TITLES,
    PLATFORMS,
    POST_NOMINALS,
    ROLE_NOUNS,
    TECHNOLOGY_TERMS,
    TITLES,
)
from services.processor.places import US_STATE_ABBREVIATIONS, fold, is_place

_INITIALISM_END = re.compile(r"(?<![\w.])(?:[A-Za-z]\.){2,}$")
_ABBREVIATION_END = re.compile(r"\b(?:Corp|Inc|Co|Ltd|Bros|Jr|Sr|Cos|Mfg|Assn|Dept)\.$")


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


# Months that are also surnames and first names; after a person's first name and before no day or year, the
# model's DATE is the rest of the name: "Theresa May singled it out", not "in May 2017", nor a title-case
# headline's "Trump May Face Charges".
_MONTH_SURNAME = re.compile(r"[ \t]+(?:May|June|April|August)\b(?![ \t]*\d)(?![ \t]+[A-Z])")


def with_month_surname(mention: Mention, text: str) -> Mention:
    """A one-word person followed by a month that is a surname (``Theresa`` + ``May``) → the full name."""
    if mention.label != "PERSON" or " " in mention.text.strip():
        return mention
    month = _MONTH_SURNAME.match(text, mention.start + len(mention.text))
    if month is None:
        return mention
    return Mention(mention.text + month.group(), mention.label, mention.start, mention.weight)


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


def clean_name(text: str, entity_type: EntityType, *, agency: bool = False) -> tuple[str, EntityType] | None:
    """The name without a leading ``the``, titles, possessives and stray edges, and its type (a title
    makes a person); None if nothing that could be a name is left.

    :param agency: keep a news agency's name (it is named in a sentence, ``told Reuters``); by default it is
        taken for the credit of who reports (``(Reuters)``, ``Iran Press``) and dropped.
    """
    if _LINK_OR_HANDLE.search(text) or (entity_type is EntityType.PERSON and "/" in text):
        return None  # a link, a handle, or a photo credit ("Steve Parsons/PA"): none names someone in the story
    words = " ".join(text.replace("\u00a0", " ").split()).strip(_EDGE_MARKS).split(" ")
    state = text.strip() in US_STATE_ABBREVIATIONS  # "Calif.", as a whole name: not "Ole Miss." ending a sentence
    if _INITIALISM_END.search(text.rstrip(_EDGE_MARKS.replace(".", ""))) or _ABBREVIATION_END.search(text) or state:
        words[-1] += "."  # "U.S." and "First Albany Corp." keep their last full stop: it is part of the name
    elif entity_type is EntityType.PERSON and len(words) > 1 and _LAST_INITIAL.search(text):
        words[-1] += "."  # "Hussein K.", "Sheila E.": an initial for a surname keeps its full stop
    if words and words[-1].lower().endswith(("'s", "’s")):
        words[-1] = words[-1][:-2]
    while words and words[0].lower() in EDGE_WORDS:
        words.pop(0)
    while words and words[-1].lower() in EDGE_WORDS:
        words.pop()
    words = " ".join(words).strip(_QUOTES).split(" ")  # the quote after a leading "the": the "Judges Club"
    if entity_type is not EntityType.ORGANIZATION:
        while len(words) > 1 and NUMBER_WORD.fullmatch(words[-1]):
            words.pop()  # a score or a count a results table put after a name: "G. Kersey 63"
    titled = bool(words) and words[0].lower().rstrip(".") in PERSON_TITLES
    if entity_type is not EntityType.MISC and _a_role_then_name(words):
        words, entity_type = words[1:], EntityType.PERSON  # "Model Chrissy Teigen", "Singer John Legend"
    if INITIAL_AND_SURNAME.fullmatch(" ".join(words)):
        entity_type = EntityType.PERSON  # "H. Morris": people are written so, organisations are not
    if entity_type is EntityType.PERSON or titled:
        while len(words) > 1 and words[0].lower().rstrip(".") in TITLES:
            words.pop(0)
        if titled and any(word.lower() in ORG_HEADS for word in words):
            return None  # "Minister of Foreign Affairs": a post, not a name
        while len(words) > 2 and _post_nominal(words[-1]):
            words.pop()  # "Guy Consolmagno S.J.", not the surname "Obe"
        entity_type = EntityType.PERSON
    if all(word.lower().rstrip(".") in TITLES for word in words):
        return None  # only titles: "Representative", "Leader", "Rear Admiral"
    name = " ".join(word for word in words if word)
    name = _AGENCY_SUFFIX.sub("", name)
    if len(name) < 2 or not any(c.isupper() for c in name) or (fold(name) in AGENCIES and not agency):
        return None
    if name in TECHNOLOGY_TERMS:
        return None
    if entity_type is EntityType.PERSON and not name[0].isupper():
        return None
    return name, entity_type


def _post_nominal(word: str) -> bool:
    written_so = word.isupper() or "." in word or word == "PhD"
    return written_so and word.lower().rstrip(".") in POST_NOMINALS


def _a_role_then_name(words: list[str]) -> bool:
    rest = words[1:]
    return (
        words[0].lower() in ROLE_NOUNS
        and 2 <= len(rest) <= 3
        and all(word[:1].isupper() and word.lower() not in ORG_HEADS | TITLES for word in rest)
    )


_EDGE_MARKS = " .,;:!?\"'“”‘’()[]-–—"
_QUOTES = "\"'“”‘’()[]"
_LAST_INITIAL = re.compile(r"\s[A-Z]\.\W*$")
_LINK_OR_HANDLE = re.compile(r"://|(?<![\w.])www\.|(?<!\w)@\w")
_AGENCY_SUFFIX = re.compile(r"\s+(?:news agency|news)$")  # "Xinhua news agency", not "ABC News"


_ADDRESS = re.compile(r"(?<!\S)\S*?(?:[/@]|[a-z]\.[a-z])\S*")  # links, handles, domains: pic.twitter.com names no word


def common_words(text: str) -> set[str]:
    """The words the text writes in lower case: capitalised alone (a heading's ``Schedule``, a table's
    ``Sales``, a headline's ``Soccer``) they are still not names."""
    return set(re.findall(r"(?<![\w'-])[a-z][a-z'-]+", _ADDRESS.sub(" ", text)))


def _forms(word: str) -> set[str]:
    """A word and its stem without a plural's, a past's or a participle's ending, where five letters or more are
    left: "seizes" meets "seized", but "Wells" is no "well" nor "Times" "time"."""
    word = word.lower()
    stems = {word}
    for ending in ("s", "es", "ed", "d", "ing"):
        if word.endswith(ending) and len(word) - len(ending) >= 5:
            stems.add(word[: -len(ending)])
    return stems


_NAME_JOINERS = {"of", "the", "and", "for", "de", "da", "del", "la", "le", "von", "van", "al", "bin", "&"}


def stems_of(words: set[str]) -> set[str]:
    """Every form ``_forms`` gives of the words, for ``trim_title_case``."""
    return {stem for word in words for stem in _forms(word)}


def _in_prose_elsewhere(mention: Mention, text: str) -> bool:
    """Whether the text writes the span on another line that is not in title case (a page that repeats its
    headline under it repeats the headline's run-on too)."""
    line_start = text.rfind("\n", 0, mention.start) + 1
    line_end = text.find("\n", mention.start)
    return any(
        not line_start <= found.start() <= (line_end if line_end >= 0 else len(text))
        and not _title_cased(line_at(text, found.start()))
        for found in re.finditer(re.escape(mention.text), text)
    )


def trim_title_case(mention: Mention, text: str, lower_case_stems: set[str]) -> list[Mention]:
    """A span on a line in title case (a headline, a shouted line recased) ends before the first word the text
    writes in lower case elsewhere, and one that starts with such a word is none: there capitals do not tell
    where a name ends (``South Korea Seizes Ship`` → ``South Korea``; ``Bitcoin Slumps`` beside "bitcoin" →
    nothing), but an organisation's head word is its own (``National Bank of Poland``), and a span the text
    writes elsewhere too is a name as it stands. In prose all stay."""
    words = mention.text.split()
    if len(words) < 2 or mention.start >= len(text) or not _title_cased(line_at(text, mention.start)):
        return [mention]
    if _in_prose_elsewhere(mention, text):
        return [mention]  # written so elsewhere too: "New Zealand", "General Motors", "Theresa May" in the story

    def common(index: int) -> bool:
        """Not a name's own noun ("National Bank of Poland"), nor a surname after an initial ("N. Best")."""
        folded = words[index].strip(_EDGE_MARKS).lower()
        after_initial = index > 0 and re.fullmatch(r"[A-Z]\.", words[index - 1]) is not None
        return not after_initial and folded not in _NAME_JOINERS | ORG_HEADS and bool(_forms(folded) & lower_case_stems)

    if common(0):
        return []  # "Bitcoin Slumps", "Tranquilizing Harambe": a sentence's words from the start, no name
    last = next((i for i in range(1, len(words)) if common(i)), len(words))
    kept = words[:last]
    while kept and kept[-1].lower() in _NAME_JOINERS:
        kept.pop()
    if kept == words:
        return [mention]
    return [Mention(" ".join(kept), mention.label, mention.start, mention.weight)]


def story_names(mentions: list[Mention], text: str) -> dict[str, str]:
    """The names the story under the headline gives (folded), with the label it gives each."""
    return {
        fold(mention.text): mention.label
        for mention in mentions
        if mention.weight != HEADLINE_WEIGHT and mention.start < len(text)
    }


def to_the_storys_name(mention: Mention, text: str, named: dict[str, str]) -> Mention:
    """A headline's span the story never writes, that starts with a name the story gives and goes on in a word
    the story never capitalises, is that name: the headline's capitals ran on (``Grammys Leadership``, ``Erie
    Smashes``, ``South Korea Seizes Ship`` → ``Grammys``, ``Erie``, ``South Korea``). So is one whose first
    words, capitalised only as the headline's start, come before such a name (``Secretive Telegram`` →
    ``Telegram``). The story's label goes with it. A headline's full name the story shortens (``Max Verstappen``
    beside ``Verstappen``) stays."""
    if mention.weight != HEADLINE_WEIGHT or fold(mention.text) in named:
        return mention
    words = mention.text.split()
    story = text[text.find("\n") + 1 :]

    def capitalised_in_story(word: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(word.strip(_EDGE_MARKS))}(?!\w)", story) is not None

    for length in range(len(words) - 1, 0, -1):
        prefix = fold(" ".join(words[:length]))
        plain_word = words[length].strip(_EDGE_MARKS).isalpha()  # not "Saint-Germain" after "Paris"
        if prefix in named and plain_word and not capitalised_in_story(words[length]):
            return Mention(" ".join(words[:length]), named[prefix], mention.start, mention.weight)
    at_start = text.rfind("\n", 0, mention.start) < 0 and not text[: mention.start].strip()
    if at_start and all(any(c.isalnum() for c in word) for word in words):  # not "Rugby Union - South Africa"
        # The headline's first word is capitalised as a sentence's: "Secretive Telegram" → "Telegram", but not
        # a given name ("Max Verstappen" beside "Verstappen").
        for cut in range(1, len(words)):
            suffix = fold(" ".join(words[cut:]))
            dropped = words[:cut]
            if suffix in named and all(
                w.isalpha() and not (w in given_names() or capitalised_in_story(w)) for w in dropped
            ):
                start = mention.start + len(mention.text) - len(" ".join(words[cut:]))
                return Mention(" ".join(words[cut:]), named[suffix], start, mention.weight)
    return mention


_DETERMINER_BEFORE = re.compile(
    r"\b(?:the|a|an|his|her|its|their|our|your|this|that)[ \t]+(?:[\w-]+[ \t]+){0,2}$", re.IGNORECASE
)


_THE_OR_FELLOW_BEFORE = re.compile(r"(?<![\w-])(?:the|fellow)[ \t]+(?:[\w-]+[ \t]+)?$", re.IGNORECASE)


def a_demonym_noun(text: str, mention: Mention) -> bool:
    """A noun for a country's people after "the" ("The Finn was fortunate", "the Brit has promised"): a person
    the story names otherwise, not a name."""
    if mention.label == "NORP":  # the model's adjective: "The Czech capital", "the Argentine striker"
        return False
    before = text[max(0, mention.start - 30) : mention.start]
    return mention.text.lower() in DEMONYM_NOUNS and _THE_OR_FELLOW_BEFORE.search(before) is not None


def a_title_as_a_name(text: str, mention: Mention) -> bool:
    """One title word the model took for a person, with no determiner before it: a stage name ("Prince, who
    died in 2016", "What would Prince have thought"), not a post ("the Prince", "a Nigerian Prince")."""
    word = mention.text
    return (
        " " not in word
        and word.istitle()
        and word.lower() in TITLES
        and 0 < mention.start < len(text)  # not a related headline's, placed after the text
        and _DETERMINER_BEFORE.search(text, max(0, mention.start - 40), mention.start) is None
    )


def a_common_word(name: str, lower_case: set[str]) -> bool:
    """One capitalised word (not an acronym) that the text also writes in lower case."""
    return " " not in name and not name.isupper() and name.lower() in lower_case


_LABEL_AFTER = re.compile(r"[ \t]*[-–—:]")


def a_page_label(text: str, mention: Mention, lower_case: set[str]) -> bool:
    """A word in capitals heading its line before a dash or a colon, that the text also writes in lower case:
    a page's label ("FILE - In this file photo …"), not an acronym ("SNAP", "CARE" in a sentence)."""
    word = mention.text
    line_start = text.rfind("\n", 0, mention.start) + 1
    return (
        word.isupper()
        and word.isalpha()
        and len(word) >= 4
        and word.lower() in lower_case
        and not text[line_start : mention.start].strip()
        and _LABEL_AFTER.match(text, mention.start + len(word)) is not None
    )


# A credit names who took a picture or wrote a piece, not whom the story is about: "Carl Court/Getty Images",
# "REUTERS/Ammar Awad", "(Image: Mark Thompson)", "Credit Omer Messinger", "Author: Carsten Grün", "By Jo Li".
_CREDIT_BEFORE = re.compile(
    r"(?:\bcredits?:?|\b(?:photos?|photographs?|images?|pictures?|illustrations?|authors?|video)(?:\s+by|\s*:)"
    r"|^[ \t(]*by)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# A person joined by a slash to who distributes the picture: "Carl Court/Getty Images", "REUTERS/Ammar Awad".
# Only persons: "Israel/Gaza" and "Dallas/Fort Worth" are two places.
_SLASH_BEFORE = re.compile(r"\w[ \t]?/[ \t]?$")
_SLASH_AFTER = re.compile(r"[ \t]?/[ \t]?[A-Za-z]")
# After a credited name: the outlet's domain ending a byline line ("Daksha Rangan, CTVNews.ca").
_CREDIT_AFTER = re.compile(r",[ \t]*[\w-]+\.(?:com|ca|org|net|news|co\.uk|com\.au)[ \t]*$", re.M)
# A wire story's credit paragraph: who reported, edited or owns it, not whom it is about. "Associated Press
# writers Colleen Long … contributed to this report.", "(Reporting by Will Dunham; Editing by Tom Brown)",
# "Copyright 2018 The Associated Press. All rights reserved."
_CREDIT_LINE = re.compile(
    r"^[ \t(]*(?:(?:additional )?reporting by|editing by|writing by|compiled by|©"
    r"|copyright[ \t]*(?:©|\(c\))?[ \t]*\d{4})"
    r"|\bcontributed (?:to this (?:report|story|article)|reporting)\b|\ball rights reserved\b",
    re.IGNORECASE,
)
# A picture agency's credit standing as its own line: "Jim Spellman/WireImage via Getty Images, FILE" (not a
# caption that ends in one, whose names are the story's).
_PICTURE_CREDIT_LINE = re.compile(
    r"^[\w .'’-]{0,60}/[ \t]*(?:wireimage|getty images|filmmagic)"
    r"(?:[ \t]+via[ \t]+getty images)?(?:,[ \t]*file)?[ \t]*$",
    re.IGNORECASE,
)
# The same credit in brackets closing a paragraph of the story: "… after it emerged. (Editing by Belinda Goldsmith;
# Please credit the Thomson Reuters Foundation …)".
_CREDIT_IN_BRACKETS = re.compile(
    r"\([ \t]*(?:(?:(?i:additional)[ \t]+)?(?i:reporting|editing|writing|compiled)[ \t]+by[ \t]+[A-Z]"
    r"|(?i:photo|image|picture|credit)s?[ \t]*(?::|(?i:by)\b))"  # "(Photo: Gregg DeGuire, WireImage)"
)
_CREDIT_LINE_CHARS = 400  # a credit is a short paragraph; a long one is the story's own text
# A photo gallery's counter after the credit, then the next caption: "… in Croydon Ben Morgan 6/8 A police cordon".
_GALLERY_COUNTER = re.compile(r"[ \t]+(\d{1,2})/(\d{1,2})[ \t]+[A-Z0-9]")


# The page asking its reader to follow or share it: "Follow us on Facebook, on Twitter @BBCNewsEnts, or on
# Instagram", "Share this story on Twitter". A sentence that starts so, and only for the platforms it names.
_CALL_TO_ACTION = re.compile(
    r"[ \t\"“]*(?:(?:follow|join|find|like|connect with)[ \t]+us|share[ \t]+(?:this|it|on))\b", re.IGNORECASE
)


def in_call_to_action(text: str, mention: Mention) -> bool:
    """Whether the mention is a platform the page's call to follow or share it names, not the story."""
    if fold(mention.text) not in PLATFORMS or mention.start >= len(text):
        return False
    sentence_start = max(text.rfind(stop, 0, mention.start) for stop in ".?!\n") + 1  # "More? Like us on …"
    return _CALL_TO_ACTION.match(text, sentence_start) is not None


# Where an agency's name is its credit, not a name in the story: "(Reuters)", "(AFP, dpa)", "Reuters -" heading
# a line, "© AFP".
_LINE_HEAD_CREDIT = re.compile(r"\s*[-–—:|]")


def named_in_a_sentence(text: str, mention: Mention) -> bool:
    """Whether a name (an agency's, say) stands in the story's sentences rather than as a credit: not in
    brackets of its own, not heading a line before a dash, not after ©."""
    end = mention.start + len(mention.text)
    before = text[max(0, mention.start - 12) : mention.start]
    if _credit_in_brackets(text, mention):
        return False
    if "©" in before or "copyright" in before.lower():
        return False
    line_start = text.rfind("\n", 0, mention.start) + 1
    return not (not text[line_start : mention.start].strip() and _LINE_HEAD_CREDIT.match(text, end))


_FRACTION = re.compile(r"(?<![\w/])(\d{1,2})/(\d{1,2})(?![\w/])")


def _a_gallery(line: str, of: str) -> bool:
    """A gallery's captions: two "n/m" or more on the line, all counting to the same m (a bowler's figures,
    "4/35, 3/28", do not; nor does one figure alone)."""
    counters = _FRACTION.findall(line)
    return len(counters) >= 2 and all(total == of and int(number) <= int(total) for number, total in counters)


# A picture's credit names its agency after a slash, or its kind before one: "(Mahmoud Illean, File/Associated
# Press)", "(Costa Rica's Public Safety Ministry/AP)", "[Photo/Agencies]".
_PICTURE_WORDS = {"photo", "photos", "image", "images", "picture", "file", "agencies", "getty images", "ap photo"}
_BRACKETS = {"(": ")", "[": "]"}


def _credit_in_brackets(text: str, mention: Mention) -> bool:
    """Inside brackets, on the mention's line, that credit who reported or pictured the story: ones that open
    with a credit ("(Editing by …; Please credit …)", "(Photo: …)"), hold only agencies ("(AFP, dpa)") or
    credit a picture across a slash ("(… File/Associated Press)")."""
    line_start = text.rfind("\n", 0, mention.start) + 1
    opening = max(text.rfind(bracket, line_start, mention.start) for bracket in _BRACKETS)
    if opening < 0 or _BRACKETS[text[opening]] in text[opening : mention.start]:
        return False
    if _CREDIT_IN_BRACKETS.match(text, opening):
        return True
    closing = text.find(_BRACKETS[text[opening]], mention.start)
    if closing < 0 or "\n" in text[mention.start : closing]:
        return False
    inside = text[opening + 1 : closing]
    if "/" in inside:
        kind, *_, credited = (fold(part.strip().split(",")[-1].strip()) for part in inside.split("/"))
        line_end = text.find("\n", closing)
        closes_a_paragraph = not text[closing + 1 : line_end if line_end >= 0 else len(text)].strip()
        if kind in _PICTURE_WORDS or (credited in AGENCIES | _PICTURE_WORDS and closes_a_paragraph):
            return True  # not "The poll (Ipsos/Reuters) found"
    parts = [part.strip() for part in re.split(r",|/|;|\band\b", inside)]
    return all(fold(part) in AGENCIES for part in parts if part)


def in_credit(text: str, mention: Mention) -> bool:
    """Whether the mention is a photo credit or a byline (a slash joins it to an agency, or a credit word
    heads it on its line), or stands in a wire story's credit paragraph."""
    if mention.start >= len(text):
        return False  # a related headline's name, placed after the text
    end = mention.start + len(mention.text)
    if _CREDIT_AFTER.match(text, end):
        return True
    if mention.label == "PERSON" and (
        _SLASH_AFTER.match(text, end) or _SLASH_BEFORE.search(text, max(0, mention.start - 3), mention.start)
    ):
        return True
    line = line_at(text, mention.start)
    if (len(line) <= _CREDIT_LINE_CHARS and _CREDIT_LINE.search(line)) or _PICTURE_CREDIT_LINE.match(line):
        return True
    counter = _GALLERY_COUNTER.match(text, end)
    if counter and _a_gallery(line, counter.group(2)):
        return True
    if _credit_in_brackets(text, mention):
        return True
    line_start = text.rfind("\n", 0, mention.start) + 1
    return bool(_CREDIT_BEFORE.search(text, max(line_start, mention.start - 30), mention.start))


# Titles that, capitalised before capitalised words, make those words a person's name.
NAME_TITLES = PERSON_TITLES | {
    "chairman", "chairwoman", "envoy", "spokesman", "spokeswoman", "commander", "judge", "rabbi", "imam",
    "bishop", "archbishop", "cardinal", "professor", "prof", "dr", "premier", "sheikh", "emir", "deputy",
}  # fmt: skip
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_NAME_WORD = r"[A-Z\u00c0-\u00de][^\W\d_A-Z]+(?:[-'’][^\W\d_]+)*(?![\w])"
# A capitalised title, an optional "to/of <place>", then capitalised words: "Foreign Minister Sirojiddin
# Muhriddin", "Ambassador to Iran Nizomiddin Zohidi", "Chairman Mao".
_TITLE = re.compile(r"\b(?:" + "|".join(sorted(title.capitalize() for title in NAME_TITLES)) + r")\b")
_AFTER_TITLE = re.compile(
    rf"\.?[ \t]+(?P<to>(?:to|of|for)[ \t]+(?:the[ \t]+)?)?(?P<words>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,4}})"
)


_SMALL_WORDS = {"and", "the", "for", "with", "from", "into", "over", "after", "off", "out", "per", "but", "nor"}


def _title_cased(line: str) -> bool:
    """A headline in title case: four words or more, every one but the small ones capitalised."""
    words = [word for word in re.findall(r"[^\W\d_]+", line) if len(word) > 2 and word not in _SMALL_WORDS]
    return len(words) >= 4 and all(word[0].isupper() for word in words)


def titled_names(text: str, spans: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int]]:
    """(text, "PERSON", start) of names a title heads that the model did not take for a person: "Ambassador
    to Iran Nizomiddin Zohidi" gives ``Nizomiddin Zohidi`` (the place after "to" is not the name)."""
    persons = [(start, end) for _, label, start, end in spans if label == "PERSON"]
    spanned = [(start, end) for _, _, start, end in spans]
    found = []
    for title in _TITLE.finditer(text):
        if any(start <= title.start() < end for start, end in spanned):
            continue  # a word of a name the model found: "General Motors", "Sheikh Zayed Road"
        match = _AFTER_TITLE.match(text, title.end())
        headline = "\n" not in text[: title.start()]
        if match is None or headline or _title_cased(line_at(text, title.start())):
            continue  # in a headline (or a line in title case), capitals do not tell where a name ends
        words, start = match.group("words").split(), match.start("words")
        if match.group("to"):
            place = next((n for n in range(len(words) - 1, 0, -1) if is_place(" ".join(words[:n]))), 0)
            if not place:
                continue  # "Minister of Foreign Affairs …": a post, not a place, before the name
            start = text.index(words[place], start + len(" ".join(words[:place])))
            words = words[place:]
        words = list(takewhile(lambda word: word.lower() not in _WEEKDAYS, words[:3]))  # "President Trump Monday"
        if not words or words[0].lower() in TITLES or any(word.lower() in ORG_HEADS for word in words):
            continue
        name = " ".join(words)
        end = start + len(name)
        if not is_place(name) and not any(start < p_end and p_start < end for p_start, p_end in persons):
            found.append((name, "PERSON", start))
    return found
