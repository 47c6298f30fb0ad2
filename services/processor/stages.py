"""One message in, one message out: the clean, group and enrich stages as functions over bytes.

The faust agents call these and only move bytes; ``newsflow process`` (offline.py) and the tests call them
directly.
Any failure becomes a DeadLetter with the stage and a reason: an agent never stops on one message.
"""

from __future__ import annotations

import logging

from schemas import CleanArticle, DeadLetter, RawArticle, Stage, dead_letter, decode
from schemas.codec import MessageOrigin
from services.processor.clean import clean
from services.processor.enrich import enrich_batch
from services.processor.grouping import Assigns, Grouped
from services.processor.settings import DEFAULT_MODEL

log = logging.getLogger(__name__)

WARM_UP = RawArticle(
    url="https://newsflow.invalid/warm-up",
    title="Ministers meet in London",
    text="Foreign ministers from France and Kenya met Jane Smith in London on Monday to discuss trade.",
)


def warm_up(model: str) -> None:
    """Load the model and build the tables enrichment derives from it (topic vectors, the gazetteer), so the
    first batch, or a worker that just joined its group, does not pay for them."""
    enrich_batch([clean(WARM_UP)], model=model)


# Everything a malformed article can raise from the cleaning and enrichment code is reported, not
# propagated: parsers of hostile HTML and text fail in ways no list of exception types covers.
Outcome = CleanArticle | DeadLetter


def clean_message(value: bytes | None, origin: MessageOrigin) -> Outcome:
    """Decode, validate and clean one raw message: memoryless, so it may run on any worker, in any order."""
    try:
        return clean(decode(RawArticle, value))
    except Exception as error:
        if not isinstance(error, ValueError):
            log.exception("unexpected error while cleaning")
        return dead_letter(Stage.CLEAN, value, error, **origin)


def group_message(value: bytes | None, origin: MessageOrigin, grouper: Assigns) -> Grouped | DeadLetter:
    """Judge one cleaned article against those before it (boilerplate, duplicates, stories), in order."""
    try:
        article = decode(CleanArticle, value)
    except Exception as error:
        return dead_letter(Stage.GROUP, value, error, **origin)
    return group_article(article, grouper, value, origin)


def group_article(
    article: CleanArticle | DeadLetter, grouper: Assigns, value: bytes | None, origin: MessageOrigin
) -> Grouped | DeadLetter:
    """``group_message`` over an article already decoded; a dead letter passes through."""
    if isinstance(article, DeadLetter):
        return article
    try:
        return grouper.assign(article)
    except Exception as error:
        if not isinstance(error, ValueError):
            log.exception("unexpected error while comparing %s with earlier articles", article.id)
        return dead_letter(Stage.GROUP, value, error, article_id=article.id, url=article.url, **origin)


def enrich_messages(
    values: list[bytes | None], origins: list[MessageOrigin], *, model: str = DEFAULT_MODEL
) -> list[Outcome]:
    """Enrich a batch; each message gets its own outcome, in order."""
    outcomes: list[Outcome | None] = [None] * len(values)
    articles: list[tuple[int, CleanArticle]] = []
    for index, value in enumerate(values):
        try:
            articles.append((index, decode(CleanArticle, value)))
        except Exception as error:
            outcomes[index] = dead_letter(Stage.ENRICH, value, error, **origins[index])
    try:
        for (index, _), enriched in zip(articles, enrich_batch([a for _, a in articles], model=model), strict=True):
            outcomes[index] = enriched
    except Exception:
        # One bad article must not sink its batch-mates: retry them one by one.
        for index, article in articles:
            try:
                outcomes[index] = enrich_batch([article], model=model)[0]
            except Exception as error:
                log.exception("unexpected error while enriching %s", article.id)
                outcomes[index] = dead_letter(
                    Stage.ENRICH, values[index], error, article_id=article.id, url=article.url, **origins[index]
                )
    return [outcome for outcome in outcomes if outcome is not None]
