"""A new mapping version is built from news.enriched beside the old one while articles keep arriving; the alias
moves in one step; every article is there once, and what arrives afterwards is searchable too."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from services.indexer.documents import TEMPLATE_FILE
from tests.conftest import SAMPLES, Pipeline, wait_for
from tests.eval.extraction import DEFAULT_DATA

pytestmark = pytest.mark.integration


def _archive(directory: Path, name: str, labels: list[str]) -> Path:
    lines = []
    for label in labels:
        for path in sorted((DEFAULT_DATA / "bbc-news" / label).glob("*.txt"))[:4]:
            title, _, body = path.read_text(encoding="utf-8", errors="replace").partition("\n")
            lines.append(json.dumps({"url": f"https://news.example/{label}/{path.stem}", "source": "bbc",
                                     "title": title.strip(), "text": body.strip()}))  # fmt: skip
    archive = directory / f"{name}.jsonl"
    archive.write_text("\n".join(lines) + "\n")
    return archive


def _alias_state(client: Elasticsearch, alias: str) -> tuple[list[str], int]:
    if not client.indices.exists_alias(name=alias):
        return [], 0
    client.indices.refresh(index=alias)
    return sorted(client.indices.get_alias(name=alias).body), int(client.count(index=alias)["count"])


def test_reindex_builds_the_new_version_beside_the_old_and_swaps_the_alias(pipeline: Pipeline, tmp_path: Path):
    client = Elasticsearch("http://127.0.0.1:9200")
    alias, prefix = pipeline.setting("es_alias"), pipeline.setting("es_index_prefix")
    assert pipeline.newsflow("ingest", str(SAMPLES)).returncode == 0
    services = pipeline.start("run", "processor", "indexer")
    wait_for(lambda: _alias_state(client, alias)[1] == 2, timeout=120)
    services.send_signal(signal.SIGTERM)
    assert services.wait(timeout=90) == 0

    # A release with mapping version 2: its indexer writes v2 indices, outside the alias until the swap.
    version_2 = tmp_path / "news-index-v2.json"
    version_2.write_text(TEMPLATE_FILE.read_text().replace('"mapping_version": 1', '"mapping_version": 2'))
    pipeline.env["NEWSFLOW_ES_INDEX_DEFINITION"] = str(version_2)
    # Published before the workers start: a faust worker that is starting can lose articles arriving in that
    # moment (a known defect, docs/decisions.md), which is not what this test is about.
    assert pipeline.newsflow("ingest", str(_archive(tmp_path, "during", ["business", "sport"]))).returncode == 0
    services = pipeline.start("run", "processor", "indexer")
    wait_for(lambda: client.indices.exists(index=f"{prefix}-v2-*", allow_no_indices=False), timeout=120)
    holders, _ = _alias_state(client, alias)
    assert holders and all(index.startswith(f"{prefix}-v1-") for index in holders), "searches still see v1"

    reindexed = pipeline.newsflow("reindex", "--delete-old", timeout=300)
    assert reindexed.returncode == 0, reindexed.stderr
    holders, _ = _alias_state(client, alias)
    assert holders and all(index.startswith(f"{prefix}-v2-") for index in holders)
    assert not client.indices.exists(index=f"{prefix}-v1-*", allow_no_indices=False), "--delete-old"

    # Everything is there once: the two samples and the eight stories ingested during the rebuild…
    wait_for(lambda: _alias_state(client, alias)[1] == 10, timeout=120)
    # …and what arrives after the swap joins the alias.
    assert pipeline.newsflow("ingest", str(_archive(tmp_path, "after", ["tech"]))).returncode == 0
    wait_for(lambda: _alias_state(client, alias)[1] == 14, timeout=120)
    ids = [hit["_id"] for hit in client.search(index=alias, size=100)["hits"]["hits"]]
    assert len(ids) == len(set(ids)) == 14
    services.send_signal(signal.SIGTERM)
    assert services.wait(timeout=90) == 0
    client.close()
