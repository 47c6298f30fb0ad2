"""The pure parts of polling: what counts as the same article, what a summary says, what a link became."""

from __future__ import annotations

import time

from schemas import RawArticle
from services.fetcher.poller import LinkRecord, summary_text
from services.fetcher.publisher import SeenStore, fingerprint, stamped, unstamped
from services.fetcher.settings import FetcherSettings

PAGE = (
    "<html><head><script>var token='{token}';</script></head><body><!-- {token} --><p>Talks resume.</p></body></html>"
)


def _page(html: str) -> RawArticle:
    return RawArticle(url="https://example.org/a", html=html)


def test_a_page_served_again_with_new_scripts_and_comments_is_the_same_article():
    assert fingerprint(_page(PAGE.format(token="a1"))) == fingerprint(_page(PAGE.format(token="b2")))


def test_a_page_whose_text_changed_is_an_update():
    assert fingerprint(_page(PAGE.format(token="a"))) != fingerprint(
        _page(PAGE.format(token="a").replace("resume", "collapse"))
    )


def test_a_feed_summary_becomes_plain_text():
    assert summary_text("<p>Talks <b>resume</b> in&nbsp;Geneva.</p>") == "Talks resume in Geneva."
    assert summary_text("  ") == "" and summary_text(None) == ""
    assert summary_text("plain words, no markup") == "plain words, no markup"


def test_what_a_link_became_survives_the_round_trip_and_garbage_is_ignored():
    record = LinkRecord(article="0" * 32, stamp="2026-11-02T09:00:00+00:00", failures=0)
    assert LinkRecord.loads(record.dumps()) == record
    assert LinkRecord.loads("not json") is None and LinkRecord.loads(None) is None


def test_the_published_record_says_when_each_article_was_last_seen_and_reads_older_records_too():
    assert unstamped(stamped('{"id": "x"}', 1_700_000_000.7)) == ('{"id": "x"}', 1_700_000_000.0)
    assert unstamped(b"9f86d081884c7d65") == ("9f86d081884c7d65", None)  # written before entries had a time


def test_entries_no_source_listed_for_the_expiry_period_are_forgotten_and_the_rest_kept():
    store = SeenStore(FetcherSettings(fetcher_seen_expiry_days=30))
    day = 86_400.0
    store.fingerprints = {"old": "a", "recent": "b", "renewed": "c"}
    store.seen_at = {"old": 100 * day - 31 * day, "recent": 100 * day - 2 * day, "renewed": 100 * day}
    assert store.expired(100 * day) == ["old"]
    store.forget("old")
    assert store.fingerprints == {"recent": "b", "renewed": "c"} and "old" not in store.seen_at


def test_an_entry_a_source_still_lists_is_renewed_at_most_once_a_day():
    from types import SimpleNamespace

    from services.fetcher.publisher import Publisher

    sent: list[tuple[bytes, bytes]] = []
    publisher = object.__new__(Publisher)  # no broker: only the record's bookkeeping is exercised
    publisher.settings = FetcherSettings()
    publisher.producer = SimpleNamespace(send=lambda topic, key, value: sent.append((key, value)))
    publisher.seen = SeenStore(publisher.settings)
    publisher.seen.fingerprints = {"link:a": '{"article": "b"}', "b": "f1"}
    publisher.seen.seen_at = {"link:a": time.time() - 2 * 86_400, "b": time.time() - 3_600}
    for key in ("link:a", "b", "never-published"):
        publisher.still_seen(key)
    assert [key for key, _value in sent] == [b"link:a"]  # renewed; "b" was seen an hour ago; unknown keys stay so
    assert unstamped(sent[0][1])[0] == '{"article": "b"}' and time.time() - publisher.seen.seen_at["link:a"] < 5
