"""Stories as documents on the real Elasticsearch: summarised from their articles as they are indexed, merged
when the group stage finds two to be one, and read back with `newsflow stories` and `newsflow story`."""

from __future__ import annotations

import json
import signal
import time
from datetime import timedelta

import pytest
from elasticsearch import Elasticsearch

from schemas import EnrichedArticle
from tests.conftest import Pipeline, wait_for
from tests.integration.test_alerts import _fired
from tests.support import NOW, alias_serves, enriched_article, publish_enriched

pytestmark = pytest.mark.integration

QUAKE, FLOOD = f"{1:032x}", f"{4:032x}"  # a story's id is the id of the article that started it


def _article(number: int, story: str, source: str, minutes: int, **changes: object) -> EnrichedArticle:
    base = enriched_article(number, title=f"Report {number}", published_at=NOW + timedelta(minutes=minutes))
    return base.model_copy(update={"story_id": story, "source": source, **changes})


def _story(client: Elasticsearch, pipeline: Pipeline, story_id: str) -> dict:
    """The story's document, or an empty dict while it is not there."""
    alias = pipeline.setting("es_stories_alias")
    if not alias_serves(client, alias):
        return {}
    found = client.options(ignore_status=404).get(index=alias, id=story_id)
    return found.body.get("_source") or {}


def _stories_of_articles(client: Elasticsearch, pipeline: Pipeline) -> dict[str, str]:
    alias = pipeline.setting("es_alias")
    client.indices.refresh(index=alias)
    hits = client.search(index=alias, size=100, source_includes=["story_id"])["hits"]["hits"]
    return {hit["_id"]: hit["_source"]["story_id"] for hit in hits}


def test_stories_are_summarised_merged_and_listed(pipeline: Pipeline):
    client = Elasticsearch("http://127.0.0.1:9200")
    quake = [
        _article(1, QUAKE, "outlet-a", 0, title="Earthquake strikes coastal city"),
        _article(2, QUAKE, "outlet-b", 30),
        _article(3, QUAKE, "outlet-a", 60, duplicate_of=f"{1:032x}"),
    ]
    flood = [_article(4, FLOOD, "outlet-c", 10, title="Flood warning issued"), _article(5, FLOOD, "outlet-d", 20)]
    publish_enriched(pipeline.env, quake + flood)
    indexer = pipeline.start("run", "indexer")

    wait_for(lambda: _story(client, pipeline, QUAKE).get("article_count") == 3)
    summary = _story(client, pipeline, QUAKE)
    assert summary["headline"] == "Earthquake strikes coastal city", "the first article's headline"
    assert (summary["source_count"], summary["duplicate_count"]) == (2, 1)
    assert summary["first_seen"].startswith(NOW.strftime("%Y-%m-%dT%H:%M"))
    wait_for(lambda: _story(client, pipeline, FLOOD).get("article_count") == 2)

    # An article finds the flood and quake reports to be one event: the flood story folds into the quake story.
    joiner = _article(6, QUAKE, "outlet-e", 90, merged_stories=[FLOOD])
    publish_enriched(pipeline.env, [joiner])
    wait_for(lambda: _story(client, pipeline, QUAKE).get("article_count") == 6)
    assert _story(client, pipeline, QUAKE)["source_count"] == 5
    assert _story(client, pipeline, FLOOD)["merged_into"] == QUAKE
    assert set(_stories_of_articles(client, pipeline).values()) == {QUAKE}, "the absorbed story's articles moved"

    # A late article still carrying the absorbed story's id is indexed under the survivor.
    publish_enriched(pipeline.env, [_article(7, FLOOD, "outlet-f", 120)])
    wait_for(lambda: _story(client, pipeline, QUAKE).get("article_count") == 7)
    assert _stories_of_articles(client, pipeline)[f"{7:032x}"] == QUAKE

    # The agency's original, published before report 1 but arriving last: report 1 and its copy now copy it.
    original = _article(8, QUAKE, "agency", -30, supersedes=f"{1:032x}", title="Agency: quake hits coastal city")
    publish_enriched(pipeline.env, [original])

    def copies_of_original() -> set[str]:
        client.indices.refresh(index=pipeline.setting("es_alias"))
        hits = client.search(index=pipeline.setting("es_alias"), query={"term": {"duplicate_of": original.id}})
        return {hit["_id"] for hit in hits["hits"]["hits"]}

    wait_for(lambda: copies_of_original() == {f"{1:032x}", f"{3:032x}"})
    wait_for(lambda: _story(client, pipeline, QUAKE).get("article_count") == 8)

    def listing() -> str:
        listed = pipeline.newsflow("stories", "--hours", str(24 * 365 * 50))
        assert listed.returncode == 0, listed.stderr
        return listed.stdout

    # The listing is a search: it shows a document written a moment ago after the next refresh (≤ 1 s).
    wait_for(lambda: "Agency: quake hits coastal city" in listing(), timeout=30)
    listed = listing()
    assert QUAKE in listed
    assert FLOOD not in listed, "a merged story is not listed on its own"
    rows = [json.loads(line) for line in pipeline.newsflow("stories", "--json", "--hours", "1e6").stdout.splitlines()]
    assert [(row["id"], row["article_count"], row["source_count"]) for row in rows] == [(QUAKE, 8, 7)]

    timeline = pipeline.newsflow("story", FLOOD)
    assert timeline.returncode == 0, timeline.stderr
    assert f"story {FLOOD} was merged into {QUAKE}" in timeline.stdout
    assert "8 articles (2 copies) from 7 outlets" in timeline.stdout
    lines = [line for line in timeline.stdout.splitlines() if "outlet-" in line or "agency" in line]
    assert [line.split()[2] for line in lines] == ["agency", "outlet-a", "outlet-c", "outlet-d", "outlet-b",
                                                   "outlet-a", "outlet-e", "outlet-f"], "oldest first"  # fmt: skip
    assert "(copy of 00000000)" in lines[1] and "(copy of 00000000)" in lines[5]

    unknown = pipeline.newsflow("story", "f" * 32)
    assert unknown.returncode == 1 and f"no story has the id '{'f' * 32}'" in unknown.stderr
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=60) == 0
    client.close()


def test_an_alert_made_per_story_fires_once_for_each_story_not_for_each_report(pipeline: Pipeline):
    for name, extra in (("quake-stories", ["--per-story"]), ("quake-reports", [])):
        added = pipeline.newsflow("alerts", "add", name, "--query", "earthquake", *extra)
        assert added.returncode == 0, added.stderr
    reports = [_article(n, QUAKE, f"outlet-{n}", n, body=f"An earthquake, report {n}.") for n in (1, 2, 3)]
    other = _article(4, FLOOD, "outlet-4", 4, body="An earthquake far away.")
    unrelated = _article(5, FLOOD, "outlet-5", 5, body="A flood.")
    indexer = pipeline.start("run", "indexer", env={"NEWSFLOW_INDEXER_ALERTS_INTERVAL_S": "0.5"})
    publish_enriched(pipeline.env, [*reports, other, unrelated])

    wait_for(lambda: len(_fired(pipeline)) >= 6, timeout=120)
    time.sleep(3)  # further alert runs: nothing more may fire
    indexer.send_signal(signal.SIGTERM)
    assert indexer.wait(timeout=60) == 0
    matches = _fired(pipeline)
    per_story = sorted(match.story_id or "" for match in matches if match.alert == "quake-stories")
    per_report = sorted(match.article_id for match in matches if match.alert == "quake-reports")
    assert per_story == sorted([QUAKE, FLOOD]), "one match per story"
    assert per_report == sorted(article.id for article in [*reports, other]), "one match per article"
