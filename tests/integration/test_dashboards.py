"""Kibana cannot run here, so what it would ask is asked of the real node: after the sample articles and some
BBC stories went through the pipeline, every visualisation's aggregation returns buckets."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from deploy.kibana.build import STORIES_COLUMNS
from tests.conftest import SAMPLES, Pipeline, wait_for
from tests.eval.extraction import DEFAULT_DATA
from tests.kibana_queries import aggregations_of, map_aggregation, top_stories_query, visualisations
from tests.support import alias_serves

pytestmark = pytest.mark.integration


def _inbox(directory: Path) -> Path:
    """The two seed stories and a few BBC articles, as JSON lines with their own sources."""
    lines = []
    for label in ["business", "politics", "sport"]:
        for path in sorted((DEFAULT_DATA / "bbc-news" / label).glob("*.txt"))[:3]:
            title, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n")
            lines.append(json.dumps({"url": f"https://news.example/{label}/{path.stem}", "source": "bbc",
                                     "title": title.strip(), "text": body.strip()}))  # fmt: skip
    archive = directory / "bbc.jsonl"
    archive.write_text("\n".join(lines) + "\n")
    return archive


def test_every_visualisation_of_the_dashboard_finds_data(pipeline: Pipeline, tmp_path: Path):
    ingested = pipeline.newsflow("ingest", str(SAMPLES), str(_inbox(tmp_path)))
    assert ingested.returncode == 0, ingested.stderr
    services = pipeline.start("run", "processor", "indexer")
    client = Elasticsearch("http://127.0.0.1:9200")
    alias = pipeline.setting("es_alias")

    def indexed() -> int:
        if not alias_serves(client, alias):
            return 0
        client.indices.refresh(index=alias)
        return int(client.count(index=alias)["count"]) >= 11

    wait_for(indexed, timeout=180)
    for vis_id, vis_state in visualisations().items():
        result = client.search(index=alias, size=0, aggs=aggregations_of(vis_state))
        (first,) = [name for name in aggregations_of(vis_state)]
        buckets = result["aggregations"][first]["buckets"]
        assert buckets and buckets[0]["doc_count"] > 0, vis_id
        if vis_state["type"] == "histogram":  # split by topic inside each time bucket
            assert buckets[0]["3"]["buckets"], "topics within the time buckets"
    grid = client.search(index=alias, size=0, aggs=map_aggregation())["aggregations"]["grid"]["buckets"]
    assert grid, "the map has points"
    stories_alias = pipeline.setting("es_stories_alias")
    # Story documents follow their articles within a few seconds (the indexer summarises them in the background).
    stories = wait_for(lambda: client.search(index=stories_alias, **top_stories_query())["hits"]["hits"], timeout=60)
    assert stories[0]["_source"]["article_count"] >= 1, "the top-stories table has rows"
    assert all(column in stories[0]["_source"] for column in STORIES_COLUMNS)
    client.close()
    services.send_signal(signal.SIGTERM)
    assert services.wait(timeout=90) == 0
