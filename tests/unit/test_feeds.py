"""Feeds and sitemaps as real sites serve them, broken ones included, become article links."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.fetcher.feeds import FeedError, parse_announcements, parse_feed, parse_sitemap
from services.fetcher.urls import canonical_url
from tests.eval.extraction import DEFAULT_DATA

FEEDS = DEFAULT_DATA / "feeds"
needs_data = pytest.mark.skipif(not FEEDS.is_dir(), reason="../shared/data/feeds is not beside the repository")


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("HTTPS://News.Example.ORG:443/a/b?utm_source=x&id=7&fbclid=y#top", "https://news.example.org/a/b?id=7"),
        ("http://example.org", "http://example.org/"),
        ("http://example.org:8080/x?gclid=1", "http://example.org:8080/x"),
        ("https://example.org/x?b=2&a=1", "https://example.org/x?b=2&a=1"),
    ],
)
def test_canonical_urls_drop_what_tracks_and_keep_what_selects(url, canonical):
    assert canonical_url(url) == canonical


@needs_data
def test_every_item_of_the_real_world_feeds_is_read():
    counts = {path.name: len(parse_feed(path.read_bytes()).entries) for path in (FEEDS / "real-world").glob("*.xml")}
    assert len(counts) == 14
    assert sum(counts.values()) == 576  # the manifest's item count
    assert counts["koreatimes_whole-news__rss2.xml"] == 195


@needs_data
def test_a_latin1_feed_keeps_its_accents_and_dates():
    feed = parse_feed((FEEDS / "real-world" / "jn-pt_ultimas__rss2_iso-8859-1.xml").read_bytes())
    first = feed.entries[0]
    assert first.title == "Mãe de utente é a nova presidente da Raríssimas"
    assert first.published_at == datetime(2018, 1, 3, 13, 47, tzinfo=UTC)
    assert feed.problem is None


@needs_data
@pytest.mark.parametrize(
    "name",
    [
        "techcrunch__rss2_leading-newline.xml",
        "everything-typepad__atom_leading-newline.xml",
        "samruby-intertwingly__atom_leading-newline.xml",
        "uol-noticias__rss_undeclared-latin1.xml",
        "avian-blog__atom-wrapped-in-xhtml.xml",
    ],
)
def test_real_malformed_feeds_still_yield_their_items(name):
    feed = parse_feed((FEEDS / "real-world-malformed" / name).read_bytes())  # Sam Ruby's links are relative
    assert len(feed.entries) >= 10
    assert all(entry.url.startswith("http") for entry in feed.entries)


@needs_data
def test_a_news_sitemap_gives_titles_dates_and_languages():
    feed = parse_announcements((FEEDS / "sitemaps" / "sitemap-news.xml").read_bytes())
    (entry,) = feed.entries
    assert entry.title == "Companies A, B in Merger Talks"
    assert entry.language == "en"
    assert entry.published_at == datetime(2008, 12, 23, tzinfo=UTC)


def test_entity_bombs_and_non_feeds_are_refused_with_a_reason():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        b"<rss><channel>&b;</channel></rss>"
    )
    with pytest.raises(FeedError, match="entity expansion"):
        parse_feed(bomb)
    with pytest.raises(FeedError, match="empty document"):
        parse_feed(b"  \n")
    with pytest.raises(FeedError, match="not a readable feed"):
        parse_feed(b"<html><body><p>Just a page</p></body></html>")
    with pytest.raises(FeedError, match="not a readable sitemap"):
        parse_sitemap(b"<urlset><url><loc>http://x</loc></url>")


def test_a_synthetic_feed_yields_canonical_links(tmp_path: Path):
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
    <item><title>One</title><link>https://Example.org/1?utm_medium=rss</link>
    <pubDate>Thu, 15 Feb 2024 08:00:00 +0330</pubDate></item>
    <item><title>No link</title></item></channel></rss>"""
    (entry,) = parse_feed(rss).entries
    assert entry.url == "https://example.org/1"
    assert entry.published_at == datetime(2024, 2, 15, 4, 30, tzinfo=UTC)


def test_a_date_far_in_the_future_or_before_1900_is_no_date():
    """9999-12-31 would file the article under a month that has not come, in an index of its own."""
    items = "".join(
        f"<item><title>{day}</title><link>https://e.org/{number}</link><pubDate>{day}</pubDate></item>"
        for number, day in enumerate(["Fri, 31 Dec 9999 00:00:00 GMT", "Mon, 01 Jan 1883 00:00:00 GMT",
                                      "Wed, 03 Jan 2018 13:47:00 GMT"])
    )  # fmt: skip
    feed = parse_feed(f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode())
    assert [entry.published_at for entry in feed.entries] == [None, None, datetime(2018, 1, 3, 13, 47, tzinfo=UTC)]
