"""The fetcher polls real feeds, sitemaps and pages from a local news web: each article reaches news.raw
once, failures become dead letters with a reason, and neither a second poll nor a restart republishes."""

from __future__ import annotations

import json
import re
import signal
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer

from schemas import DeadLetter, RawArticle, article_id, decode
from schemas.codec import MAX_MESSAGE_BYTES
from services.fetcher.http import USER_AGENT
from services.fetcher.urls import canonical_url
from tests.conftest import Pipeline, wait_for
from tests.newssite import REAL_FEEDS, NewsSite

pytestmark = pytest.mark.integration

FEED_SOURCES = ["cnn", "koreatimes", "wire", "news-sitemap", "standalone"]
FAILING_SOURCES = ["slow", "missing", "broken", "malformed", "bomb", "oversize"]


@pytest.fixture
def news_site() -> Iterator[NewsSite]:
    site = NewsSite(slow_s=4.0).start()
    yield site
    site.stop()


def _sources_file(site: NewsSite, directory: Path) -> Path:
    def source(name: str, kind: str, url: str) -> str:
        return f"  - {{name: {name}, kind: {kind}, url: '{url}'}}\n"

    text = "defaults: {interval: 2, min_interval: 1, max_interval: 3, language: en}\nsources:\n"
    text += source("cnn", "feed", f"{site.base}/cnn/rss.xml")
    text += source("koreatimes", "feed", f"{site.base}/koreatimes/rss.xml")
    text += source("wire", "feed", f"{site.base}/wire/rss.xml")
    text += source("news-sitemap", "sitemap", f"{site.base}/sitemap-index.xml")
    text += source("standalone", "page", f"{site.base}/pages/standalone")
    text += source("slow", "feed", f"{site.other_base}/slow/rss.xml")  # another host name: must not stall the rest
    text += source("missing", "feed", f"{site.base}/missing.xml")
    text += source("broken", "feed", f"{site.base}/broken/rss.xml")
    text += source("malformed", "feed", f"{site.base}/malformed.xml")
    text += source("bomb", "feed", f"{site.base}/bomb.xml")
    text += source("oversize", "feed", f"{site.base}/oversize.xml")
    text += "  - {name: switched-off, kind: feed, url: 'https://example.org/rss', enabled: false}\n"
    path = directory / "sources.yaml"
    path.write_text(text)
    return path


def _fetch_from_the_local_site(pipeline: Pipeline, sources: Path, **settings: str) -> None:
    """The fetcher's settings for the loopback news site: its addresses allowed, no pause between requests."""
    pipeline.env.update(
        NEWSFLOW_SOURCES=str(sources),
        NEWSFLOW_FETCHER_ALLOW_NETWORKS="127.0.0.0/8,::1/128",
        NEWSFLOW_FETCHER_HOST_DELAY_S="0",
        **settings,
    )


def _expected_ids(site: NewsSite) -> dict[str, str]:
    """Article id → canonical URL of every article the sources hold, read without the fetcher's parsers."""
    urls = []
    for name in REAL_FEEDS:
        urls += [item.findtext("link") or "" for item in ET.fromstring(site.real_feed(name)).iter("item")]
    urls += re.findall(r"<loc>(.*?)</loc>", site.news_sitemap().decode())
    urls += [
        f"{site.base}/wire/story-1",  # after the redirect
        f"{site.base}/wire/story-2-canonical",  # the page's rel=canonical, tracking parameters dropped
        f"{site.base}/private/memo",  # robots.txt forbids the page: the feed's summary stands in
        f"{site.base}/pages/standalone",
    ]
    return {article_id(canonical_url(url)): canonical_url(url) for url in urls}


def _read(pipeline: Pipeline, topic: str) -> list[bytes]:
    consumer = KafkaConsumer(
        pipeline.setting(topic),
        bootstrap_servers="127.0.0.1:9092",
        auto_offset_reset="earliest",
        consumer_timeout_ms=2000,
        fetch_max_bytes=64 * 1024 * 1024,
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
    )
    try:
        return [record.value for record in consumer]
    finally:
        consumer.close()


def _states(pipeline: Pipeline) -> dict[str, dict[str, Any]]:
    listing = pipeline.newsflow("sources", "--json")
    assert listing.returncode == 0, listing.stderr
    return {row["name"]: row for row in map(json.loads, listing.stdout.splitlines())}


def _all_polled(pipeline: Pipeline, at_least: dict[str, int]) -> dict[str, dict[str, Any]] | None:
    """The sources' states once each has been polled at least as often as asked, else None."""
    states = _states(pipeline)
    polled = all(int(states[name]["polls"]) >= at_least[name] for name in FEED_SOURCES + FAILING_SOURCES)
    return states if polled else None


def test_sources_are_fetched_once_politely_and_safely_across_polls_and_restarts(
    pipeline: Pipeline, news_site: NewsSite, tmp_path: Path
):
    _fetch_from_the_local_site(
        pipeline,
        _sources_file(news_site, tmp_path),
        NEWSFLOW_FETCHER_READ_TIMEOUT_S="1",
        NEWSFLOW_FETCHER_MAX_BYTES="3000000",
        NEWSFLOW_FETCHER_PAGE_ATTEMPTS="2",
    )
    expected = _expected_ids(news_site)
    assert len(expected) == 69 + 195 + 1 + 4

    fetcher = pipeline.start("run", "fetcher")
    wait_for(lambda: len(_read(pipeline, "topic_raw")) >= len(expected), timeout=180)
    first_states = wait_for(lambda: _all_polled(pipeline, dict.fromkeys(FEED_SOURCES + FAILING_SOURCES, 3)))
    published = [decode(RawArticle, value) for value in _read(pipeline, "topic_raw")]
    assert sorted(article.id for article in published) == sorted(expected), "each article exactly once"
    by_id = {article.id: article for article in published}
    assert by_id[article_id(f"{news_site.base}/private/memo")].text == "The memo, in short: all is well."
    assert all(article.html for article in published if "memo" not in article.url), "pages keep their HTML"
    assert all(article.source in FEED_SOURCES and article.language_hint == "en" for article in published)

    letters = [decode(DeadLetter, value) for value in _read(pipeline, "topic_dlq")]
    reasons = {letter.url: letter.reason for letter in letters}
    assert all(letter.stage == "fetch" for letter in letters)
    assert re.search(r"refused .*169\.254\.169\.254", reasons[f"{news_site.base}/wire/metadata"])
    assert "HTTP 404" in reasons[f"{news_site.base}/wire/gone"]
    assert "HTTP 500" in reasons[f"{news_site.base}/wire/flaky"], "dead-lettered after its last attempt"
    assert "limit" in reasons[f"{news_site.base}/wire/huge"]
    assert "not a readable feed" in reasons[f"{news_site.base}/malformed.xml"]
    assert "entity expansion" in reasons[f"{news_site.base}/bomb.xml"]

    for name in ["slow", "missing", "broken", "oversize", "malformed", "bomb"]:
        assert first_states[name]["status"] == "error", name
    assert "timed out" in str(first_states["slow"]["last_error"])
    assert first_states["cnn"]["not_modified_polls"] >= 1, "an unchanged feed costs a 304"
    assert first_states["switched-off"]["polls"] == 0

    log = news_site.log()
    assert not [r.path for r in log if r.path.startswith("/private/")], "robots.txt is honoured"
    assert {r.user_agent for r in log} == {USER_AGENT}
    assert news_site.most_concurrent(f"127.0.0.1:{news_site.port}") == 1, "one request at a time per host"
    assert [r.path for r in log].count("/wire/flaky") == 2, "a transient failure is tried again, then given up"

    fetcher.send_signal(signal.SIGTERM)
    assert fetcher.wait(timeout=60) == 0
    requests_before_restart = len(news_site.log())
    polls_before = {name: int(state["polls"]) for name, state in _states(pipeline).items()}

    restarted = pipeline.start("run", "fetcher")
    wait_for(lambda: _all_polled(pipeline, {name: polls + 2 for name, polls in polls_before.items()}))
    restarted.send_signal(signal.SIGTERM)
    assert restarted.wait(timeout=60) == 0
    assert len(_read(pipeline, "topic_raw")) == len(expected), "a restart republishes nothing"
    after = news_site.log()[requests_before_restart:]
    feed_polls = [r for r in after if r.path in {"/cnn/rss.xml", "/koreatimes/rss.xml", "/wire/rss.xml"}]
    assert feed_polls and all(r.conditional and r.status == 304 for r in feed_polls), "validators survive a restart"
    article_fetches = [r for r in after if r.path.startswith(("/cnn/2", "/koreatimes/www"))]
    assert not article_fetches, "known links cost no request after a restart"

    table = pipeline.newsflow("sources")
    assert table.returncode == 0, table.stderr
    lines = {line.split()[0]: line for line in table.stdout.splitlines()[1:]}
    assert "not-modified" in lines["cnn"] and "304" in lines["cnn"]
    assert "error" in lines["missing"] and "HTTP 404" in lines["missing"]
    assert "disabled" in lines["switched-off"]


def _polled_in(log: Path) -> set[str]:
    """The sources a fetcher's log says it polled."""
    found = re.findall(r"source (\S+): (?:HTTP \d+|read) in", log.read_text(errors="replace")) if log.exists() else []
    return set(found)


def test_two_fetchers_share_the_sources_and_one_takes_over_when_the_other_dies(
    pipeline: Pipeline, news_site: NewsSite, tmp_path: Path
):
    feeds = ["cnn", "koreatimes", "wire", "news-sitemap", "standalone"]
    sources = _sources_file(news_site, tmp_path)
    kept = [line for line in sources.read_text().splitlines() if "name:" not in line or any(
        f"name: {name}," in line for name in feeds)]  # fmt: skip
    sources.write_text("\n".join(kept) + "\n")
    _fetch_from_the_local_site(
        pipeline,
        sources,
        NEWSFLOW_FETCHER_MAX_BYTES="3000000",
        NEWSFLOW_FETCHER_PAGE_ATTEMPTS="1",
        # A source the killed fetcher was polling waits out its claim (the longest a poll may take).
        NEWSFLOW_FETCHER_MAX_ARTICLES_PER_POLL="20",
        NEWSFLOW_FETCHER_TOTAL_TIMEOUT_S="10",
    )
    expected = _expected_ids(news_site)
    logs = {name: tmp_path / f"fetcher-{name}.log" for name in ("a", "b")}
    fetchers = {
        name: pipeline.start("run", "fetcher", "--plain", stderr=log, env={"NEWSFLOW_INSTANCE_ID": name})
        for name, log in logs.items()
    }
    wait_for(lambda: len(_read(pipeline, "topic_raw")) >= len(expected), timeout=180)
    wait_for(lambda: _polled_in(logs["a"]) and _polled_in(logs["b"]), timeout=60)
    polls = {name: int(state["polls"]) for name, state in _states(pipeline).items() if name in feeds}

    # One dies for good: the other takes its sources over, with the state it left, and republishes nothing.
    fetchers["a"].send_signal(signal.SIGKILL)
    fetchers["a"].wait(timeout=30)
    wait_for(lambda: _all_polled_of(pipeline, {name: count + 2 for name, count in polls.items()}), timeout=120)
    published = [decode(RawArticle, value) for value in _read(pipeline, "topic_raw")]
    assert sorted(article.id for article in published) == sorted(expected), "each article exactly once"
    assert _polled_in(logs["b"]) == set(feeds), "the survivor polls every source"
    fetchers["b"].send_signal(signal.SIGTERM)
    assert fetchers["b"].wait(timeout=60) == 0


def _all_polled_of(pipeline: Pipeline, at_least: dict[str, int]) -> bool:
    states = _states(pipeline)
    return all(int(states[name]["polls"]) >= count for name, count in at_least.items())


def test_a_hostile_site_is_contained_and_holds_up_neither_other_sites_nor_a_stop(
    pipeline: Pipeline, news_site: NewsSite, tmp_path: Path
):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "defaults: {interval: 60, language: en}\nsources:\n"
        f"  - {{name: cnn, kind: feed, url: '{news_site.base}/cnn/rss.xml'}}\n"
        f"  - {{name: hostile, kind: feed, url: '{news_site.other_base}/hostile/rss.xml'}}\n"  # another host name
    )
    _fetch_from_the_local_site(
        pipeline,
        sources,
        NEWSFLOW_FETCHER_PAGE_ATTEMPTS="1",
        NEWSFLOW_FETCHER_TOTAL_TIMEOUT_S="600",  # longer than the test: only the stop can end the trickle
    )
    cnn = {article_id(canonical_url(item.findtext("link") or ""))
           for item in ET.fromstring(news_site.real_feed("cnn")).iter("item")}  # fmt: skip
    fetcher = pipeline.start("run", "fetcher", "--plain", stderr=tmp_path / "fetcher.log")
    wait_for(lambda: any(r.path == "/hostile/trickle" for r in news_site.log()), timeout=120)
    # While the trickle holds its host, the other site's articles all come through.
    wait_for(lambda: cnn <= {decode(RawArticle, v).id for v in _read(pipeline, "topic_raw")}, timeout=120)
    stopping = time.monotonic()
    fetcher.send_signal(signal.SIGTERM)
    assert fetcher.wait(timeout=120) == 0
    assert time.monotonic() - stopping < 30, "the trickling body held up the stop"

    # The poll's other items were published as it ended: refusals with their reasons, the poser as itself.
    reasons = {letter.url: letter.reason for letter in map(_letter, _read(pipeline, "topic_dlq"))}
    assert "one layer of gzip or deflate only" in reasons[f"{news_site.other_base}/hostile/stacked"]
    assert "carrying 169.254.169.254" in reasons[f"{news_site.other_base}/hostile/tunnel"]
    published = {article.id: article for article in map(_article, _read(pipeline, "topic_raw"))}
    poser = article_id(canonical_url(f"{news_site.other_base}/hostile/poser"))
    assert poser in published and "victim" not in str(published[poser].canonical_url), "a cross-site canonical"
    assert article_id("https://victim.example/news/exclusive") not in published


def _letter(value: bytes) -> DeadLetter:
    return decode(DeadLetter, value)


def _article(value: bytes) -> RawArticle:
    return decode(RawArticle, value)
