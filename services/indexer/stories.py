"""Stories as documents: one per story in the stories index (behind its own alias), summarised from the
articles that carry its id.

A story document is derived, never accumulated: the indexer aggregates the story's articles again, so a
replayed batch, a second indexer or a reindex writes the same document. ``StoryRunner`` does it off the
bulk path, like a saved search: every few seconds it takes the articles indexed since its watermark, applies
the merges and the re-pointed copies they report (``merged_stories``, ``supersedes``) and summarises every
story they touched, then moves the watermark (kept in Elasticsearch, so a restarted indexer carries on where
the last one stopped).

When the group stage finds that two stories are one (an article's ``merged_stories``), the absorbed story's
articles are re-pointed to the survivor and its document keeps its last summary plus ``merged_into``; an
article that still carries the old id (a replay, a late copy) is indexed under the survivor.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import bulk, scan

from services.common.settings import ElasticsearchSettings
from services.indexer.entity_links import EntityLinker
from services.indexer.indices import create_once

log = logging.getLogger(__name__)

DEFINITION_FILE = Path(__file__).resolve().parents[2] / "deploy" / "elasticsearch" / "stories-index.json"
# Merges can chain (C into B, B into A); a longer chain than this is a loop, and resolution stops.
MAX_MERGE_HOPS = 16
TOP_TERMS = 5  # entities, places, topics and sources kept per story
SUMMARY_CHUNK = 500  # stories summarised per aggregation
# Articles indexed this recently are left for the next run: their bulk request may still be in flight.
SETTLE = timedelta(seconds=2)
WATERMARK_ID = "watermark:stories"
BUSY_FACTOR = 5
# A re-pointing update that meets a concurrent write of the article is tried again this often.
CONFLICT_RETRIES = 3
_SUMMARISED = {"persons": "persons", "organizations": "organizations", "locations": "locations",
               "topic_labels": "topic_labels", "sources": "source"}  # fmt: skip


class StoryNotFound(LookupError):
    """No story has this id (never seen, or its articles were dropped with their index)."""


def stories_index(settings: ElasticsearchSettings) -> str:
    version = json.loads(DEFINITION_FILE.read_text())["mapping_version"]
    return f"{settings.es_stories_alias}-v{version}"


def ensure_stories_index(client: Elasticsearch, settings: ElasticsearchSettings) -> str:
    """Create the stories index behind its alias if it is not there yet; its name."""
    index = stories_index(settings)
    definition = json.loads(DEFINITION_FILE.read_text())
    create_once(client, index, settings=definition["settings"], mappings=definition["mappings"],
                aliases={settings.es_stories_alias: {}})  # fmt: skip
    return index


def summary_aggregation(story_ids: list[str]) -> dict[str, Any]:
    """One terms bucket per story id, with what its document shows."""
    top = {name: {"terms": {"field": field, "size": TOP_TERMS}} for name, field in _SUMMARISED.items()}
    return {
        "stories": {
            "terms": {"field": "story_id", "include": story_ids, "size": len(story_ids)},
            "aggs": {
                **top,
                "first_seen": {"min": {"field": "timestamp"}},
                "last_seen": {"max": {"field": "timestamp"}},
                "source_count": {"cardinality": {"field": "source"}},
                "duplicates": {"filter": {"exists": {"field": "duplicate_of"}}},
                "language": {"terms": {"field": "language", "size": 1}},
                "first": {
                    "top_hits": {"size": 1, "sort": [{"timestamp": "asc"}, {"id": "asc"}], "_source": ["title", "url"]}
                },
            },
        }
    }


def story_document(bucket: dict[str, Any], updated_at: datetime | None = None) -> dict[str, Any]:
    """A story's document from its aggregation bucket: headline of its first article, counts, top terms."""
    first = bucket["first"]["hits"]["hits"][0]["_source"] if bucket["first"]["hits"]["hits"] else {}
    languages = bucket["language"]["buckets"]
    return {
        "id": bucket["key"],
        "headline": first.get("title") or "",
        "headline_url": first.get("url"),
        "language": languages[0]["key"] if languages else None,
        "first_seen": bucket["first_seen"].get("value_as_string"),
        "last_seen": bucket["last_seen"].get("value_as_string"),
        "article_count": bucket["doc_count"],
        "duplicate_count": bucket["duplicates"]["doc_count"],
        "source_count": bucket["source_count"]["value"],
        **{name: [term["key"] for term in bucket[name]["buckets"]] for name in _SUMMARISED},
        "merged_into": None,
        "merged_at": None,
        "updated_at": (updated_at or datetime.now(UTC)).isoformat(),
    }


def follow_merges(story_id: str, merged_into: dict[str, str | None]) -> str:
    """The story an id stands for now: itself, or where its merges lead (a loop stops where it closes)."""
    seen = {story_id}
    for _ in range(MAX_MERGE_HOPS):
        target = merged_into.get(story_id)
        if not target or target in seen:
            break
        seen.add(target)
        story_id = target
    return story_id


class StoryBook:
    """The stories index as the indexer keeps it: resolve ids through merges, apply merges, re-summarise."""

    def __init__(self, client: Elasticsearch, settings: ElasticsearchSettings) -> None:
        self.client = client
        self.settings = settings
        self.index = stories_index(settings)

    def survivors(self, story_ids: Iterable[str]) -> dict[str, str]:
        """Each id → the story it stands for now (itself unless it was merged)."""
        merged_into: dict[str, str | None] = {}
        pending = set(story_ids)
        for _ in range(MAX_MERGE_HOPS):
            pending -= merged_into.keys()
            if not pending:
                break
            docs = self.client.mget(index=self.index, ids=sorted(pending), source_includes=["merged_into"])["docs"]
            for doc in docs:
                merged_into[doc["_id"]] = (doc.get("_source") or {}).get("merged_into")
            pending = {target for target in merged_into.values() if target}
        return {story_id: follow_merges(story_id, merged_into) for story_id in merged_into}

    def merge(self, survivor: str, absorbed: Iterable[str]) -> int:
        """Fold stories into ``survivor``: their documents keep ``merged_into``, their articles move. The
        number of articles moved."""
        absorbed = sorted({story for story in absorbed if story and story != survivor})
        if not absorbed:
            return 0
        now = datetime.now(UTC).isoformat()
        marks = [
            {"_op_type": "update", "_index": self.index, "_id": story, "doc_as_upsert": True,
             "retry_on_conflict": CONFLICT_RETRIES,
             "doc": {"id": story, "merged_into": survivor, "merged_at": now, "updated_at": now}}
            for story in absorbed
        ]  # fmt: skip
        bulk(self.client, marks, refresh=True)
        alias = self.settings.es_alias
        self.client.indices.refresh(index=alias)
        moves = [
            {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"], "doc": {"story_id": survivor},
             "retry_on_conflict": CONFLICT_RETRIES}
            for hit in scan(self.client, index=alias, query={"query": {"terms": {"story_id": absorbed}}}, _source=False)
        ]  # fmt: skip
        self._move(moves, f"into story {survivor}")
        log.info("stories %s merged into %s (%d articles moved)", ", ".join(absorbed), survivor, len(moves))
        return len(moves)

    def repoint_copies(self, original: str, superseded: str) -> int:
        """``original`` was published before the article its copies were taken to copy (``superseded``), but
        arrived after them: that article and its copies become copies of ``original``. How many moved."""
        query = {"bool": {"should": [{"ids": {"values": [superseded]}}, {"term": {"duplicate_of": superseded}}],
                          "must_not": [{"ids": {"values": [original]}}]}}  # fmt: skip
        moves = [
            {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"], "doc": {"duplicate_of": original},
             "retry_on_conflict": CONFLICT_RETRIES}
            for hit in scan(self.client, index=self.settings.es_alias, query={"query": query}, _source=False)
        ]  # fmt: skip
        self._move(moves, f"to copy {original}")
        return len(moves)

    def _move(self, moves: list[dict[str, Any]], what: str) -> None:
        """Apply re-pointing updates, each retried on a version conflict. One that still fails is logged and
        left: a newer write of the article won the race, and it is in the next run's window (an article
        still under a merged story's id is moved then)."""
        if not moves:
            return
        _, failed = bulk(self.client, moves, raise_on_error=False, refresh=True)
        if isinstance(failed, list) and failed:
            log.warning("%d of %d articles not moved %s this time: %s", len(failed), len(moves), what, failed[:1])

    def summarise(self, story_ids: Iterable[str]) -> int:
        """Write the documents of these stories from their articles as searchable now; how many were written."""
        survivors = self.survivors(set(story_ids))
        wanted = sorted({story for story, now in survivors.items() if story == now})
        if not wanted:
            return 0
        alias = self.settings.es_alias
        buckets = self.client.search(
            index=alias, size=0, query={"terms": {"story_id": wanted}}, aggs=summary_aggregation(wanted)
        )["aggregations"]["stories"]["buckets"]
        updated_at = datetime.now(UTC)
        documents = [
            {"_index": self.index, "_id": bucket["key"], "_source": story_document(bucket, updated_at)}
            for bucket in buckets
        ]
        if documents:
            bulk(self.client, documents)
        return len(documents)


class StoryRunner:
    """Keeps story documents current from what was indexed since the last run (see the module's docstring).

    The watermark lives in the indexer's bookkeeping index (``es_alerts_index``) as ``watermark:stories``.
    """

    def __init__(self, client: Elasticsearch, settings: ElasticsearchSettings, *, interval_s: float = 2.0) -> None:
        self.client = client
        self.settings = settings
        self.book = StoryBook(client, settings)
        self.linker = EntityLinker(client, settings)
        self.interval_s = interval_s
        self.summarised = 0
        self.pointed = 0

    def run_forever(self, stopping: threading.Event, busy: Callable[[], bool] = lambda: False) -> None:
        """Run every ``interval_s`` until ``stopping``, beside the consume loop (a thread of its own, so a
        summary never holds up a batch). While ``busy()`` (the indexer has a backlog) only every
        ``BUSY_FACTOR`` intervals: summaries are then written for many articles at once. A failed run is
        logged and picked up from the watermark next time."""
        intervals = 0
        while not stopping.wait(self.interval_s):
            intervals += 1
            if busy() and intervals < BUSY_FACTOR:
                continue
            intervals = 0
            try:
                self.run_once()
            except Exception as error:
                log.warning("story summaries skipped this time: %s: %s", type(error).__name__, error)

    def run_once(self, until: datetime | None = None) -> int:
        """Merge, link entities (``entity_links``) and summarise what was indexed in (watermark, until]; the
        number of stories written."""
        alias = self.settings.es_alias
        if not self.client.indices.exists_alias(name=alias):
            return 0
        until_text = (until or datetime.now(UTC) - SETTLE).isoformat()
        since = self._watermark()
        if since is not None and since >= until_text:
            return 0
        window = {"range": {"indexed_at": {"lte": until_text, **({"gt": since} if since else {})}}}
        self.client.indices.refresh(index=alias)
        merges = scan(
            self.client,
            index=alias,
            query={"query": {"bool": {"filter": [window, {"exists": {"field": "merged_stories"}}]}}},
            _source=["story_id", "merged_stories"],
        )
        for hit in merges:
            source = hit["_source"]
            survivor = self.book.survivors([source["story_id"]]).get(source["story_id"], source["story_id"])
            self.book.merge(survivor, source["merged_stories"])
        originals = scan(
            self.client,
            index=alias,
            query={"query": {"bool": {"filter": [window, {"exists": {"field": "supersedes"}}]}}},
            _source=["supersedes"],
        )
        for hit in originals:
            self.book.repoint_copies(hit["_id"], hit["_source"]["supersedes"])
        stories = self._stories_in(window)
        # An article that arrived after its story was merged (a replay, a late copy) moves to the survivor.
        for story, survivor in self.book.survivors(stories).items():
            if survivor != story:
                self.book.merge(survivor, [story])
        touched = sorted(stories)
        # Entity ids settle before the summaries count them: a story lists Ali Shamkhani once, not Shamkhani too.
        try:
            self.pointed += self.linker.link(window, touched)
        except Exception as error:  # the summaries and the watermark do not wait on a link: it is made next time
            log.warning("entity links skipped this time: %s: %s", type(error).__name__, error)
        written = sum(
            self.book.summarise(touched[start : start + SUMMARY_CHUNK])
            for start in range(0, len(touched), SUMMARY_CHUNK)
        )
        self.client.index(
            index=self.settings.es_alerts_index,
            id=WATERMARK_ID,
            document={"kind": "watermark", "name": "stories", "checked_until": until_text},
        )
        self.summarised += written
        return written

    def _stories_in(self, window: dict[str, Any]) -> set[str]:
        """Every story id carried by an article of the window (a composite aggregation, page by page)."""
        stories: set[str] = set()
        after: dict[str, Any] | None = None
        while True:
            composite: dict[str, Any] = {"size": 1000, "sources": [{"story": {"terms": {"field": "story_id"}}}]}
            if after:
                composite["after"] = after
            page = self.client.search(
                index=self.settings.es_alias, size=0, query=window, aggs={"stories": {"composite": composite}}
            )["aggregations"]["stories"]
            stories.update(bucket["key"]["story"] for bucket in page["buckets"])
            after = page.get("after_key")
            if not page["buckets"] or not after:
                return stories

    def _watermark(self) -> str | None:
        try:
            found = self.client.get(index=self.settings.es_alerts_index, id=WATERMARK_ID)
        except NotFoundError:
            return None
        return str(found["_source"]["checked_until"])


def get_story(client: Elasticsearch, settings: ElasticsearchSettings, story_id: str) -> dict[str, Any]:
    """A story's document as stored (a merged one carries ``merged_into``); ``StoryNotFound`` if none has the id."""
    try:
        return client.get(index=settings.es_stories_alias, id=story_id)["_source"]
    except NotFoundError as error:
        raise StoryNotFound(f"no story has the id {story_id!r}") from error


def top_stories(
    client: Elasticsearch, settings: ElasticsearchSettings, *, hours: float, size: int = 20
) -> list[dict[str, Any]]:
    """Stories seen in the last ``hours``, most articles first (merged stories left out)."""
    try:
        hits = client.search(
            index=settings.es_stories_alias,
            query={
                "bool": {
                    "filter": [{"range": {"last_seen": {"gte": f"now-{int(hours * 60)}m"}}}],
                    "must_not": [{"exists": {"field": "merged_into"}}],
                }
            },
            sort=[{"article_count": "desc"}, {"source_count": "desc"}, {"last_seen": "desc"}],
            size=size,
        )["hits"]["hits"]
    except NotFoundError:
        return []
    return [hit["_source"] for hit in hits]


def story_timeline(
    client: Elasticsearch, settings: ElasticsearchSettings, story_id: str, size: int = 200
) -> list[dict[str, Any]]:
    """The story's articles, oldest first."""
    try:
        hits = client.search(
            index=settings.es_alias,
            query={"term": {"story_id": story_id}},
            sort=[{"timestamp": "asc"}, {"id": "asc"}],
            size=size,
            source_includes=["id", "title", "url", "source", "timestamp", "duplicate_of"],
        )["hits"]["hits"]
    except NotFoundError:
        return []
    return [hit["_source"] for hit in hits]
