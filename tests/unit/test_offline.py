"""`newsflow process` on several workers: every article once, in input order, dead letters in their places."""

from __future__ import annotations

import time

import pytest

from schemas import CleanArticle, DeadLetter, RawArticle, decode
from schemas.codec import MessageOrigin
from services.processor import offline
from services.processor.offline import OfflineRun
from services.processor.settings import ProcessorSettings


def _slow_enrichment(values: list[bytes | None], origins: list[MessageOrigin], *, model: str) -> list[CleanArticle]:
    """Stands in for the model: uneven delays, so batches finish out of order across workers."""
    time.sleep(0.03 if origins[0].get("offset", 0) % 3 == 0 else 0.0)
    return [decode(CleanArticle, value) for value in values]


def _articles() -> list[RawArticle]:
    articles = [
        RawArticle(url=f"https://wire.example/{n}", title=f"Story {n}", text=f"Report number {n} on event {n}. " * 5)
        for n in range(40)
    ]
    articles[13] = RawArticle(url="https://wire.example/empty", html="<html><script>x=1;</script></html>")
    return articles


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline, "BATCH", 2)
    monkeypatch.setattr(offline, "CLEAN_CHUNK", 1)
    monkeypatch.setattr(offline, "warm_up", lambda model: None)
    monkeypatch.setattr(offline, "enrich_messages", _slow_enrichment)


@pytest.mark.parametrize("workers", [2, 3])
def test_outputs_come_in_input_order_whatever_the_workers_and_batch_timing(small_batches, workers):
    one = list(OfflineRun(ProcessorSettings(), workers=1).process(_articles()))
    many = list(OfflineRun(ProcessorSettings(), workers=workers).process(_articles()))
    assert [outcome.url for outcome in many] == [article.url for article in _articles()]
    assert [(o.url, getattr(o, "duplicate_of", None)) for o in many] == [
        (o.url, getattr(o, "duplicate_of", None)) for o in one
    ]


def test_a_refused_article_keeps_its_place_and_says_which_url_it_was(small_batches):
    outcomes = list(OfflineRun(ProcessorSettings(), workers=2).process(_articles()))
    letter = outcomes[13]
    assert isinstance(letter, DeadLetter) and letter.error_class == "CleaningError"
    assert letter.url == "https://wire.example/empty"
    assert sum(isinstance(outcome, DeadLetter) for outcome in outcomes) == 1
