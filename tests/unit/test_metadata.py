"""Metadata from a page's own markup: the headline a reader sees, real author names, the publish date."""

from __future__ import annotations

from datetime import UTC, datetime

from services.common.metadata import dedupe_names, parse_datetime, read_page_metadata, strip_site_name
from services.processor.clean import trim_page_furniture

PAGE = """<html><head>
<title>Floods close coastal roads | Example News</title>
<meta property="og:title" content="Floods close coastal roads">
<meta property="og:site_name" content="Example News">
<meta property="og:description" content="Dozens of roads were shut after a night of heavy rain.">
<link rel="canonical" href="/world/floods">
<script type="application/ld+json">
{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Example News"},
  {"@type": "NewsArticle", "headline": "Floods close coastal roads",
   "datePublished": "2024-02-15T23:30:00-05:00",
   "author": [{"@type": "Person", "name": "jane-doe"}, {"@type": "Person", "name": "John Roe and Ann Poe"}],
   "publisher": {"@type": "Organization", "name": "Example News"}}]}
</script></head>
<body><header><h1>Example News</h1></header><article><h1>Floods close coastal roads</h1></article></body></html>"""


def test_the_headline_is_the_h1_that_the_metadata_confirms():
    page = read_page_metadata(PAGE, "https://news.example.org/x")
    assert page.headline == "Floods close coastal roads"  # not the logo <h1>


def test_the_metadata_majority_wins_when_no_h1_agrees():
    page = read_page_metadata(
        "<title>Johannesburg fails traders - Daily</title>"
        "<meta property='og:title' content='Johannesburg fails traders'>"
        "<meta name='twitter:title' content='Johannesburg fails traders'><h1>Joburg fails traders</h1>"
    )
    assert page.headline == "Johannesburg fails traders"


def test_site_names_are_stripped_from_titles():
    assert strip_site_name("Floods close roads | CBC News", None) == "Floods close roads"
    assert strip_site_name("Floods close roads - The Namibian", "The Namibian") == "Floods close roads"
    assert strip_site_name("Gaza: what comes next", None) == "Gaza: what comes next"


def test_authors_are_people_one_entry_each():
    page = read_page_metadata(PAGE)
    assert page.authors == ["Jane Doe", "John Roe", "Ann Poe"]
    assert dedupe_names(["By Chuck Ross", "Chuck-Ross", "https://twitter.com/x", "Reporter"]) == ["Chuck Ross"]


def test_publish_date_comes_from_structured_data_in_utc():
    page = read_page_metadata(PAGE)
    assert page.published_at == datetime(2024, 2, 16, 4, 30, tzinfo=UTC)
    assert parse_datetime("2024-02-15") == datetime(2024, 2, 15, tzinfo=UTC)
    assert parse_datetime("2024-02-15T10:00:00+0330") == datetime(2024, 2, 15, 6, 30, tzinfo=UTC)
    assert parse_datetime("yesterday") is None


def test_a_placeholder_date_is_no_publication_date():
    assert parse_datetime("0001-01-01T00:00:00") is None
    assert parse_datetime("0001-01-01T00:00:00-05:00") is None


def test_canonical_url_is_made_absolute():
    assert (
        read_page_metadata(PAGE, "https://news.example.org/x?utm=1").canonical
        == "https://news.example.org/world/floods"
    )


def test_broken_markup_gives_empty_metadata_not_an_error():
    page = read_page_metadata("<<<>>>\x00")
    assert (page.headline, page.authors, page.published_at) == (None, [], None)


def test_page_furniture_is_trimmed_but_the_story_kept():
    text = "\n".join(
        [
            "Floods close coastal roads",
            "Dozens of roads were shut after a night of heavy rain.",
            "Heavy rain closed dozens of roads on Thursday.",
            "Sign up for our morning newsletter",
            "Crews worked through the night.",
            "- Subsidence: what to know",
            "- More rain forecast for Friday",
        ]
    )
    trimmed = trim_page_furniture(
        text, ["Floods close coastal roads"], ["Dozens of roads were shut after a night of heavy rain."]
    )
    assert trimmed == "Heavy rain closed dozens of roads on Thursday.\nCrews worked through the night."
