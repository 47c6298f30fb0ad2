"""Enrichment: CleanArticle → EnrichedArticle, pure functions with no I/O.

Works on batches because the NLP models that later stages of enrichment use are fastest when fed
many texts at once.
"""

from __future__ import annotations

from collections.abc import Sequence

from schemas import CleanArticle, EnrichedArticle
from services.processor.dates import find_dates, unique_dates


def enrich(article: CleanArticle) -> EnrichedArticle:
    return enrich_batch([article])[0]


def enrich_batch(articles: Sequence[CleanArticle]) -> list[EnrichedArticle]:
    """Enrich articles in order; the output list lines up with the input."""
    enriched = []
    for article in articles:
        text = "\n\n".join(part for part in (article.title, article.body) if part)
        dates = list(unique_dates(find_dates(text)))
        enriched.append(EnrichedArticle(**article.model_dump(exclude={"schema_version"}), dates=dates))
    return enriched
