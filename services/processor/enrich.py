"""Enrichment: CleanArticle → EnrichedArticle, pure functions with no I/O.

Works on batches because the NER model is fastest when fed many texts at once (``nlp.pipe``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from schemas import MEDIA_TOPICS, CleanArticle, EnrichedArticle
from services.processor.dates import find_dates, unique_dates
from services.processor.entities import (
    DEFAULT_MODEL,
    LABELS,
    RELATED_WEIGHT,
    Mention,
    load_pipeline,
    mentions_of,
    resolve,
    truecase_shouting,
)
from services.processor.topics import classify

# NER reads at most this much of an article: what matters is at the top, and the model's cost is linear.
MAX_NER_CHARS = 50_000
MAX_KEYPHRASES = 10


@lru_cache(maxsize=1)
def _keyphrase_extractor() -> object:
    import yake

    return yake.KeywordExtractor(lan="en", n=3, top=MAX_KEYPHRASES * 4, dedupLim=0.7)


def keyphrases(text: str) -> list[str]:
    """Key phrases by YAKE (statistical, unsupervised), best first, without near-repeats: a phrase that
    shares half its words with a better one adds nothing (``National Security`` after ``National Security
    Council``)."""
    chosen: list[str] = []
    taken: list[set[str]] = []
    for phrase, _score in _keyphrase_extractor().extract_keywords(text[:MAX_NER_CHARS]):  # type: ignore[attr-defined]
        words = set(phrase.lower().split())
        if any(len(words & other) * 2 >= min(len(words), len(other)) for other in taken):
            continue
        chosen.append(phrase)
        taken.append(words)
        if len(chosen) == MAX_KEYPHRASES:
            break
    return chosen


def subscription_codes(article: EnrichedArticle, threshold: float) -> list[str]:
    """The top-level topics whose per-topic stream gets the article: its best one, and any other whose
    share reaches ``threshold``."""
    top_level = [topic for topic in article.topics if topic.code in MEDIA_TOPICS]
    return [topic.code for index, topic in enumerate(top_level) if index == 0 or topic.score >= threshold]


def enrich(article: CleanArticle, *, model: str = DEFAULT_MODEL) -> EnrichedArticle:
    return enrich_batch([article], model=model)[0]


def enrich_batch(articles: Sequence[CleanArticle], *, model: str = DEFAULT_MODEL) -> list[EnrichedArticle]:
    """Enrich articles in order; the output list lines up with the input."""
    nlp = load_pipeline(model)
    texts = []
    for article in articles:
        title = article.title or ""
        texts.append(truecase_shouting(f"{title}\n\n{article.body}" if title else article.body)[:MAX_NER_CHARS])
    related = [" \n".join(article.related_headlines) for article in articles]
    docs = list(nlp.pipe(texts, batch_size=32))
    related_docs = list(nlp.pipe(related, batch_size=32))
    enriched = []
    for article, text, doc, related_doc in zip(articles, texts, docs, related_docs, strict=True):
        headline_end = len(article.title or "")
        lead_end = text.find("\n\n", headline_end + 2)
        mentions = mentions_of(doc, headline_end, lead_end if lead_end > 0 else len(text))
        # Headlines of related stories the page linked to: their names belong to the story's context.
        mentions += [
            Mention(e.text, e.label_, len(text), RELATED_WEIGHT) for e in related_doc.ents if e.label_ in LABELS
        ]
        language_is_english = (article.language or "en") == "en"
        reference = article.published_at.date() if article.published_at else None
        enriched.append(
            EnrichedArticle(
                **article.model_dump(exclude={"schema_version"}),
                entities=resolve(mentions, text) if language_is_english else [],
                topics=classify(article.title, article.body) if language_is_english else [],
                dates=list(unique_dates(find_dates(f"{article.title or ''}\n\n{article.body}", reference))),
                keyphrases=keyphrases(text) if language_is_english else [],
            )
        )
    return enriched
