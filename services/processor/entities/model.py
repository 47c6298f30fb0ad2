"""The model's side: the spaCy pipeline loaded offline, its spans read fast, shouted lines recased first."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING

from services.processor.entities.appositions import described_names
from services.processor.entities.given_names import a_persons_name
from services.processor.entities.mention import HEADLINE_WEIGHT, LEAD_WEIGHT, RELATED_WEIGHT, Mention
from services.processor.entities.names import titled_names
from services.processor.entities.tables import missed_names
from services.processor.entities.vocabulary import LABELS, NAME_PARTICLES, PLATFORMS, TITLES
from services.processor.places import fold, is_place
from services.processor.settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

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
    spans = joined_spans(text, entity_spans(doc, text))
    found = [
        Mention(name, _label(name, label, doc.vocab), start, weight(start))
        for name, label, start, _ in spans
        if label in LABELS
    ]
    covered = [(start, end) for _, label, start, end in spans if label in LABELS]  # a DATE over a name is wrong
    missed = [
        *missed_names(text, covered),
        *titled_names(text, spans),
        *described_names(text, covered),
        *platform_names(text, covered),
        *site_names(text, covered),
        *press_names(text, covered),
        *speaker_names(text, spans),
    ]
    starts = set()
    for name, label, start in missed:
        if start not in starts:  # one finder each: "social network Facebook" is a noun's and a platform's
            starts.add(start)
            found.append(Mention(name, label, start, weight(start)))
    return found


# What goes on after an institution's "X of Y" or "X for Y" name, which the model ends at "and": "Department of
# Physics and Astronomy", "National Center for Missing and Exploited Children".
_AND_MORE = re.compile(r"[ \t]+and[ \t]+([A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,2})(?![\w'’-]|[ \t]+[A-Z])")
_OF_OR_FOR = re.compile(r"[ \t](?:of|for)[ \t]")
# Where a name goes on after "'s", which the model ends there: "Cincinnati Children's Hospital", "St Paul's
# Cathedral", "People's Bank of China" (a plural's or a saint's possessive is part of the name).
_POSSESSIVE = re.compile(r"['’]s[ \t]+(?=[A-Z])")
_NAME_GOES_ON = re.compile(r"[A-Z][\w'’-]*(?:[ \t]+(?:of[ \t]+)?[A-Z][\w'’-]*){0,3}")
_PLURAL_POSSESSORS = {"children", "women", "men", "people", "veterans"}
_SAINTS = {"st", "st.", "saint"}


def _written_as_a_name(span: str) -> bool:
    """Capitalised words, particles ("bin", "al-Abidine") aside, and no possessive: not "Led Zeppelin's", nor
    "Leicester scrum-half"."""
    return not span.endswith(("'s", "’s")) and all(
        word[0].isupper() or word in NAME_PARTICLES or re.match(r"[a-z]{1,3}-[A-Z]", word) for word in span.split()
    )


def joined_spans(text: str, spans: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int, int]]:
    """The model's spans, each run on where an institution's name goes on past "and" or past a plural's or a
    saint's "'s" (the span after it, if any, joins it and gives its label); two persons one space apart in the
    story are one."""
    by_start = {start: (label, end) for _, label, start, end in spans}
    headline_end = text.find("\n")
    joined: list[tuple[str, str, int, int]] = []
    absorbed: set[int] = set()
    for name, label, start, end in spans:
        if start in absorbed:
            continue
        if label == "ORG" and _OF_OR_FOR.search(name):
            end = _past_and(text, end, spans)
        after = _past_possessive(text, text[start:end], end)
        if after is not None:
            next_label, next_end = by_start.get(after, ("", 0))
            goes_on = _NAME_GOES_ON.match(text, after)
            if next_label in LABELS and next_label != "PERSON":
                label, end = next_label, next_end
                absorbed.add(after)
            elif goes_on and after not in by_start and not any(w.lower() in TITLES for w in goes_on.group().split()):
                end = goes_on.end()  # not "Children's Minister Margaret Hodge": a post and a name
                label = label if label in {"ORG", "FAC", "GPE", "LOC"} else "ORG"
        if label == "PERSON" and joined and start > headline_end and _halves_of_one_name(text, joined[-1], name, start):
            start = joined.pop()[2]  # "Abdel Moneim" "Abdel Maqsud"
        joined.append((text[start:end], label, start, end))
    return joined


def _past_and(text: str, end: int, spans: list[tuple[str, str, int, int]]) -> int:
    """Where an "X of Y" name ends that the model ended at "and": after capitalised words no other span holds and
    no title heads ("Department of Justice and President Trump" are two)."""
    more = _AND_MORE.match(text, end)
    if more is None or any(word.lower() in TITLES for word in more.group(1).split()):
        return end
    if any(begin < more.end(1) and more.start(1) < stop for _, _, begin, stop in spans):
        return end
    return more.end(1)


def _past_possessive(text: str, name: str, end: int) -> int | None:
    """Where the name goes on after a plural's or a saint's "'s" ("Cincinnati Children's", "St Paul's"), if it
    does; a town named after a saint takes an ordinary possessive ("St Petersburg's Pulkovo Airport")."""
    words = name.split()
    owner = words[-1].removesuffix("'s").removesuffix("’s")  # the model may have taken the "'s" in
    possessive = _POSSESSIVE.match(text, end - len(words[-1]) + len(owner))
    if possessive is None:
        return None
    saint = words[0].lower() in _SAINTS and not is_place(" ".join([*words[:-1], owner]))
    return possessive.end() if owner.lower() in _PLURAL_POSSESSORS or saint else None


def _halves_of_one_name(text: str, previous: tuple[str, str, int, int], name: str, start: int) -> bool:
    """Two person spans one space apart that are one name: the first of two words or more, neither holding a
    title or a possessive ("Abdel Moneim" "Abdel Maqsud"; not "Meghan Markle" "Prince Harry")."""
    first, label, _, first_end = previous
    return (
        label == "PERSON"
        and text[first_end:start] == " "
        and " " in first
        and not any(word.lower() in TITLES for word in f"{first} {name}".split())
        and _written_as_a_name(first)
        and _written_as_a_name(name)
    )


def _label(name: str, label: str, vocab: Vocab) -> str:
    """The model's label, but a person for an "organisation" named as persons are (``Chrissy Teigen``)."""
    return "PERSON" if label == "ORG" and a_persons_name(name, vocab) else label


# Social platforms by name, not inside a link, a handle or a hashtag ("pic.twitter.com", "@Twitter", "#Facebook").
_PLATFORM = re.compile(r"(?<![\w@#./-])(?:" + "|".join(sorted(PLATFORMS)) + r")\b(?![.-]\w)", re.IGNORECASE)


def platform_names(text: str, covered: list[tuple[int, int]]) -> list[tuple[str, str, int]]:
    """(text, "ORG", start) of social platforms the model did not tag ("announced the split on Twitter:"):
    a few names written one way, none a common word."""
    return [
        (match.group(), "ORG", match.start())
        for match in _PLATFORM.finditer(text)
        if match.group()[0].isupper() and not any(begin <= match.start() < end for begin, end in covered)
    ]


# A news site or web service by its domain, capitalised as a name in a sentence ("DailyMail.com has reached out",
# "ABC.net.au reported"): not a link ("www.", "/"), an e-mail address or a handle.
_SITE = re.compile(
    r"(?<![\w@/.:-])(?!www\.)[A-Z][\w-]*(?:\.[\w-]+)*\.(?:com|net|org|co\.uk|com\.au|net\.au|ca)(?![\w/@-]|\.\w)"
)


def site_names(text: str, covered: list[tuple[int, int]]) -> list[tuple[str, str, int]]:
    """(text, "ORG", start) of sites named by their domain that the model did not tag."""
    return [
        (match.group(), "ORG", match.start())
        for match in _SITE.finditer(text)
        if not any(begin <= match.start() < end for begin, end in covered)
    ]


# A publication a story quotes, by its title with a capital "The" mid-sentence: "told The Verge", "according to The
# Independent", "seen by The Verge", "and The Verge reports". The model misses those whose names are common words.
_PRESS = re.compile(
    r"\b(?:(?i:told|according to|reported by|seen by|wrote in|writing in)"
    r"|(?:and|that|but|as|while)"
    r"(?=[ \t]+The[ \t]+[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+){0,2}[ \t]+(?:reports|reported|wrote)\b))"
    r"[ \t]+(?P<name>The(?:[ \t]+[A-Z][a-z]+){1,3})(?=[ \t]*(?:[.,;:!?)]|$|[ \t]+(?!of\b)[a-z]))",
    re.MULTILINE,
)


def press_names(text: str, covered: list[tuple[int, int]]) -> list[tuple[str, str, int]]:
    """(text, "ORG", start) of publications quoted by their title ("told The Verge") the model did not tag."""
    return [
        (match.group("name"), "ORG", match.start("name"))
        for match in _PRESS.finditer(text)
        if not any(begin <= match.start("name") + 4 < end for begin, end in covered)
        and not is_place(match.group("name")[4:])  # "told The Netherlands parliament"
    ]


# A transcript's speaker, by surname in capitals at the head of a line: "SHAPIRO: Good morning."
_SPEAKER = re.compile(r"^([A-Z][A-Z'’-]+):[ \t]", re.MULTILINE)


def speaker_names(text: str, spans: list[tuple[str, str, int, int]]) -> list[tuple[str, str, int]]:
    """(text, "PERSON", start) of a broadcast transcript's speakers: a surname in capitals heading two lines or
    more, of a person the text names in full ("ARI SHAPIRO, HOST:" … "SHAPIRO: Thanks")."""
    surnames = {name.split()[-1].casefold() for name, label, _, _ in spans if label == "PERSON" and " " in name}
    tags = [match for match in _SPEAKER.finditer(text) if match.group(1).casefold() in surnames]
    counted = Counter(match.group(1) for match in tags)
    return [(match.group(1), "PERSON", match.start()) for match in tags if counted[match.group(1)] >= 2]


RELATED_SEPARATOR = " \n"  # between related headlines in the one text the model reads them from


def related_mentions(related: Doc, story: list[Mention], at: int) -> list[Mention]:
    """Names in the headlines of related stories the page links to (the doc of those headlines joined by
    ``RELATED_SEPARATOR``), from the headlines that name something the story names too: a link to the same
    story (``Iran, Kyrgyzstan transport goods via Bandar Abbas`` beside a story on both) gives its context, a
    most-read list (``2 lions killed in Chile zoo`` beside a story on Cincinnati) does not."""
    named = {fold(mention.text) for mention in story}
    text = related.text
    by_headline: dict[int, list[tuple[str, str]]] = {}
    for name, label, start, _ in entity_spans(related, text):
        if label in LABELS:
            by_headline.setdefault(text.count(RELATED_SEPARATOR, 0, start), []).append((name, label))
    return [
        Mention(name, label, at, RELATED_WEIGHT)
        for names in by_headline.values()
        if any(fold(name) in named for name, _ in names)
        for name, label in names
    ]
