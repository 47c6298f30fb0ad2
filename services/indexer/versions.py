"""Article versions: a page republished with changed text (same id) keeps what it said before.

The index holds the latest text of each article. When the indexer is about to replace an article with a
newer enrichment whose text differs (another ``content_hash``), the version being replaced goes to the
versions index first: its title and text, when it was seen and replaced, and what changed, in short, as the
sentences added and removed. The article's document counts its ``revisions`` and keeps ``revised_at``.
A replay or an older enrichment changes nothing: only a newer text than the indexed one is a version.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import bulk

from schemas import EnrichedArticle
from services.common.settings import ElasticsearchSettings
from services.indexer.documents import Revision, index_for, mapping_version
from services.indexer.indices import create_once

DEFINITION_FILE = Path(__file__).resolve().parents[2] / "deploy" / "elasticsearch" / "versions-index.json"
SHOWN_CHANGES = 20  # sentences added or removed kept per version (the counts are exact)
MAX_SENTENCE = 1000
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)\]]*\s+(?=[\"“‘(\[]?[A-Z0-9À-ÖØ-Þ])|\n+")


def sentences(text: str) -> list[str]:
    """The text's sentences, whitespace-normalised, in order."""
    return [" ".join(part.split()) for part in _SENTENCE_END.split(text or "") if part and part.strip()]


def changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """(sentences added, sentences removed) from ``old`` to ``new``, each in the order of its text."""
    before, after = sentences(old), sentences(new)
    kept_before, kept_after = set(before), set(after)
    return [s for s in after if s not in kept_before], [s for s in before if s not in kept_after]


def versions_index(settings: ElasticsearchSettings) -> str:
    return f"{settings.es_index_prefix}-versions"


def ensure_versions_index(client: Elasticsearch, settings: ElasticsearchSettings) -> str:
    index = versions_index(settings)
    definition = json.loads(DEFINITION_FILE.read_text())
    create_once(client, index, settings=definition["settings"], mappings=definition["mappings"])
    return index


def version_document(previous: dict[str, Any], article: EnrichedArticle, number: int) -> dict[str, Any]:
    """The replaced version ``previous`` (its indexed source) as a versions-index document."""
    added, removed = changes(previous.get("body") or "", article.body)
    return {
        "article_id": article.id,
        "url": previous.get("url") or article.url,
        "source": previous.get("source") or article.source,
        "version": number,
        "content_hash": previous.get("content_hash"),
        "seen_at": previous.get("fetched_at"),
        "replaced_at": article.fetched_at.isoformat(),
        "title": previous.get("title"),
        "new_title": article.title,
        "body": previous.get("body") or "",
        "sentences_added": [sentence[:MAX_SENTENCE] for sentence in added[:SHOWN_CHANGES]],
        "sentences_removed": [sentence[:MAX_SENTENCE] for sentence in removed[:SHOWN_CHANGES]],
        "added_count": len(added),
        "removed_count": len(removed),
    }


def replacements(
    articles: list[EnrichedArticle], indexed: dict[str, dict[str, Any]]
) -> tuple[dict[str, Revision], list[EnrichedArticle]]:
    """(each indexed article's revision so far, the articles whose text replaces the indexed one).

    Only the newest enrichment of an id in the batch can land (external versions), so only it is compared
    with the indexed text: a batch holding a replay beside the new text records one version, not two."""
    newest: dict[str, EnrichedArticle] = {}
    for article in articles:
        if article.id not in newest or article.enriched_at > newest[article.id].enriched_at:
            newest[article.id] = article
    kept: dict[str, Revision] = {}
    changed: list[EnrichedArticle] = []
    for article in newest.values():
        current = indexed.get(article.id)
        if current is None:
            continue
        kept[article.id] = Revision(int(current.get("revisions") or 0), current.get("revised_at"))
        enriched_at = current.get("enriched_at")
        newer = enriched_at is None or article.enriched_at > datetime.fromisoformat(enriched_at)
        if newer and current.get("content_hash") != article.content_hash:
            changed.append(article)
    return kept, changed


class VersionBook:
    """Finds which articles of a batch replace another text, and keeps the text they replace."""

    def __init__(self, client: Elasticsearch, settings: ElasticsearchSettings) -> None:
        self.client = client
        self.settings = settings
        self.index = versions_index(settings)
        self.prefix = settings.es_index_prefix
        self.version = mapping_version(settings.es_index_definition)

    def record(self, articles: list[EnrichedArticle]) -> dict[str, Revision]:
        """Keep the versions the batch replaces; each article id → its revision count (absent: unchanged)."""
        indexed = self._indexed(articles, ["content_hash", "enriched_at", "revisions", "revised_at"])
        kept, changed = replacements(articles, indexed)
        if not changed:
            return kept
        previous = self._indexed(changed, None)
        documents = []
        for article in changed:
            number = kept[article.id].revisions + 1
            documents.append({"_index": self.index, "_id": f"{article.id}:{previous[article.id].get('content_hash')}",
                              "_source": version_document(previous[article.id], article, number)})  # fmt: skip
            kept[article.id] = Revision(number, article.fetched_at.isoformat())
        bulk(self.client, documents)
        return kept

    def _indexed(self, articles: list[EnrichedArticle], fields: list[str] | None) -> dict[str, dict[str, Any]]:
        """The indexed sources of these articles (only ``fields`` if given), read in real time from the index
        each would be written to: a direct get, which sees a write of a second ago that a search would not."""
        if not articles:
            return {}
        options: dict[str, Any] = {"source_includes": fields} if fields else {}
        docs = self.client.mget(
            docs=[{"_index": index_for(article, self.prefix, self.version), "_id": article.id} for article in articles],
            **options,
        )["docs"]
        return {doc["_id"]: doc["_source"] for doc in docs if doc.get("found")}


def article_versions(client: Elasticsearch, settings: ElasticsearchSettings, article_id: str) -> list[dict[str, Any]]:
    """An article's earlier versions, oldest first."""
    try:
        hits = client.search(
            index=versions_index(settings), query={"term": {"article_id": article_id}}, sort=[{"version": "asc"}],
            size=1000,
        )["hits"]["hits"]  # fmt: skip
    except NotFoundError:
        return []
    return [hit["_source"] for hit in hits]
