"""Enrichment: CleanArticle → EnrichedArticle, pure functions with no I/O.

Works on batches because the NER model is fastest when fed many texts at once (``nlp.pipe``).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from spacy.attrs import IDX, IS_ALPHA, IS_STOP, LENGTH, LOWER, ORTH
from spacy.tokens import Doc

from schemas import MEDIA_TOPICS, CleanArticle, EnrichedArticle
from services.processor.dates import find_dates, unique_dates
from services.processor.entities import (
    RELATED_SEPARATOR,
    load_pipeline,
    mentions_of,
    related_mentions,
    resolve,
    truecase_shouting,
)
from services.processor.settings import DEFAULT_MODEL
from services.processor.topics import a_sports_story, classify

# NER reads at most this much of an article: what matters is at the top, and the model's cost is linear.
MAX_NER_CHARS = 50_000
MAX_KEYPHRASES = 10


# Words that are not stop words in general English but carry nothing in news copy: attribution and
# reporting verbs, honorifics (the tokenizer alone cannot tell a verb, so the common ones are listed).
NEWS_STOP_WORDS = frozenset(
    [
        "said",
        "says",
        "told",
        "added",
        "according",
        "mr",
        "mrs",
        "ms",
        "also",
        "would",
        "could",
        "noted",
        "stated",
        "stressed",
        "emphasized",
        "emphasised",
        "expressed",
        "announced",
        "explained",
        "urged",
        "pointed",
        "underlined",
        "highlighted",
        "reiterated",
        "described",
        "warned",
        "referring",
        "referred",
        "continued",
    ]
)
MAX_PHRASE_WORDS = 4
_KEYPHRASE_ATTRS = [IS_ALPHA, IS_STOP, LENGTH, LOWER, ORTH, IDX]
LEAD_WEIGHT = 1.5


def keyphrases(doc: Doc, lead_end: int) -> list[str]:
    """Key phrases by RAKE (Rose et al., 2010) over the tokens the NER model already made, best first.

    Candidates are runs of content words between stop words, punctuation, numbers and line breaks (runs
    longer than four words are lists, not phrases). A word scores its degree over its frequency — words
    that keep company in phrases rank above words that stand alone — and a phrase the sum of its words,
    times log2(1 + how often it occurs), times 1.5 if it appears in the headline or lead. A phrase that
    shares half its words with a better one adds nothing (``National Security`` after ``National Security
    Council``). About 1 ms an article, where YAKE over the same text cost about 25 ms. The tokens are read
    as one array of attributes: a Token object per word cost more than all the rest.
    """
    strings = doc.vocab.strings
    runs: list[list[tuple[str, str, int]]] = []  # (text, lower-case, character offset) of each word
    current: list[tuple[str, str, int]] = []
    for alpha, stop, length, lower_id, orth_id, offset in doc.to_array(_KEYPHRASE_ATTRS).tolist():
        if alpha and not stop and length > 1 and (lower := strings[lower_id]) not in NEWS_STOP_WORDS:
            current.append((strings[orth_id], lower, offset))
            continue
        if 0 < len(current) <= MAX_PHRASE_WORDS:
            runs.append(current)
        current = []
    if 0 < len(current) <= MAX_PHRASE_WORDS:
        runs.append(current)
    frequency: Counter[str] = Counter()
    degree: Counter[str] = Counter()
    occurrences: dict[str, list[list[tuple[str, str, int]]]] = defaultdict(list)
    for run in runs:
        lowered = [lower for _, lower, _ in run]
        for word in lowered:
            frequency[word] += 1
            degree[word] += len(lowered)
        occurrences[" ".join(lowered)].append(run)
    scored = []
    for key, found in occurrences.items():
        score = sum(degree[word] / frequency[word] for word in key.split()) * math.log2(1 + len(found))
        if found[0][0][2] < lead_end:
            score *= LEAD_WEIGHT
        scored.append((-score, key))
    scored.sort()
    chosen: list[str] = []
    taken: list[set[str]] = []
    for _score, key in scored:
        words = set(key.split())
        if any(len(words & other) * 2 >= min(len(words), len(other)) for other in taken):
            continue
        # As the text writes it most often (``Supreme National Security Council``), for the chosen only.
        found = occurrences[key]
        chosen.append(Counter(" ".join(text for text, _, _ in run) for run in found).most_common(1)[0][0])
        taken.append(words)
        if len(chosen) == MAX_KEYPHRASES:
            break
    return chosen


def subscription_codes(article: EnrichedArticle, threshold: float) -> list[str]:
    """The top-level topics whose per-topic stream gets the article: its best one, and any other whose
    share reaches ``threshold``."""
    top_level = [topic for topic in article.topics if topic.code in MEDIA_TOPICS]
    return [topic.code for index, topic in enumerate(top_level) if index == 0 or topic.score >= threshold]


def enrich_batch(articles: Sequence[CleanArticle], *, model: str = DEFAULT_MODEL) -> list[EnrichedArticle]:
    """Enrich articles in order; the output list lines up with the input."""
    nlp = load_pipeline(model)
    texts = []
    for article in articles:
        title = article.title or ""
        texts.append(truecase_shouting(f"{title}\n\n{article.body}" if title else article.body)[:MAX_NER_CHARS])
    related = [RELATED_SEPARATOR.join(article.related_headlines) for article in articles]
    docs = list(nlp.pipe(texts, batch_size=32))
    related_docs = list(nlp.pipe(related, batch_size=32))
    enriched = []
    for article, text, doc, related_doc in zip(articles, texts, docs, related_docs, strict=True):
        headline_end = len(article.title or "")
        lead_end = text.find("\n\n", headline_end + 2)
        lead_end = lead_end if lead_end > 0 else len(text)
        mentions = mentions_of(doc, headline_end, lead_end, text)
        mentions += related_mentions(related_doc, mentions, at=len(text))
        language_is_english = (article.language or "en") == "en"
        reference = article.published_at.date() if article.published_at else None
        topics = classify(article.title, article.body, nlp.vocab.vectors) if language_is_english else []
        enriched.append(
            EnrichedArticle(
                **article.model_dump(exclude={"schema_version"}),
                entities=resolve(mentions, text, sport=a_sports_story(topics)) if language_is_english else [],
                topics=topics,
                dates=list(unique_dates(find_dates(f"{article.title or ''}\n\n{article.body}", reference))),
                keyphrases=keyphrases(doc, lead_end) if language_is_english else [],
            )
        )
    return enriched
