"""One id per real-world entity across articles: a surname alone points at the full name its story uses, an
acronym at the expansion an article defined.

Enrichment sees one article at a time, so it gives each entity the id that article supports. The indexer
sees the rest. ``EntityLinker`` runs with the story runner over the articles indexed since its watermark:

- **Surnames, within a story.** In each story touched, a one-word person whose name is the last word of
  exactly one fuller person of the same story becomes that person (``Shamkhani`` → ``person:ali-shamkhani``).
  Two fuller persons with that surname (``Ali`` and ``Mojtaba Khamenei``) leave it as it is.
- **Acronyms, across articles.** An organisation an article names with its acronym as an alias teaches the
  link (``SNSC`` → ``Supreme National Security Council``). The link is kept as a document in the bookkeeping
  index, and every article naming the bare acronym points at the expansion: those indexed before and those
  after. An acronym two articles expand differently (``ICC``: a court, a cricket council) is marked
  ambiguous and no longer linked.

Pointing rewrites the stored entity (id and name; the text's form joins its aliases) and the flat fields
dashboards count (``pointed``, pure). It is a partial update made only if the article is still the version
read (sequence number and primary term): a newer revision written meanwhile is in the next run's window and
is linked then. Derived, never accumulated: running it again over the same articles writes the same.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.helpers import bulk, scan

from schemas import EntityType, entity_id
from services.common.settings import ElasticsearchSettings

log = logging.getLogger(__name__)

STORY_CHUNK = 500  # stories whose articles one scan reads
LINK_PREFIX = "link:"
_FLAT = {"person": "persons", "organization": "organizations", "location": "locations", "misc": "misc"}


@dataclass(frozen=True)
class Link:
    """Articles' entity ``source`` is the entity ``target``, named ``name``; only in ``story`` if given."""

    source: str
    target: str
    name: str
    old_name: str
    entity_type: str
    story: str | None = None


def pointed(source: dict[str, Any], link: Link) -> dict[str, Any] | None:
    """The fields of a stored article that change when ``link`` is applied; None if it has no such entity."""
    field = _FLAT[link.entity_type]
    entities, changed = [], False
    for entity in source.get("entities") or []:
        if entity.get("id") == link.source:
            aliases = {*(entity.get("aliases") or []), entity["name"]} - {link.name}
            entity = {**entity, "id": link.target, "name": link.name, "aliases": sorted(aliases)}
            changed = True
        entities.append(entity)
    if not changed:
        return None
    ids = [key for key in source.get("entity_ids") or [] if key != link.source]
    names = [name for name in source.get(field) or [] if name != link.old_name]
    return {
        "entities": entities,
        "entity_ids": ids if link.target in ids else [*ids, link.target],
        field: names if link.name in names else [*names, link.name],
    }


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.replace("-", " ").split() if word[0].isupper())


def acronym_links(entities: Iterable[dict[str, Any]]) -> Iterator[Link]:
    """Links an article teaches: its organisations' acronyms (aliases in capitals their initials spell)."""
    for entity in entities:
        if entity.get("type") != EntityType.ORGANIZATION.value or not entity.get("id"):
            continue
        for alias in entity.get("aliases") or []:
            letters = alias.replace(".", "").replace("&", "")
            if 2 <= len(letters) <= 10 and letters.isupper() and _initials(entity["name"]) == letters:
                source = entity_id(EntityType.ORGANIZATION, alias)
                if source != entity["id"]:
                    yield Link(source, entity["id"], entity["name"], alias, EntityType.ORGANIZATION.value)


def surname_links(story: str, entities: Iterable[dict[str, Any]]) -> list[Link]:
    """Within one story's entities: each one-word person that is the last word of exactly one fuller person."""
    fuller: dict[str, set[tuple[str, str]]] = defaultdict(set)
    alone: dict[str, str] = {}
    for entity in entities:
        if entity.get("type") != EntityType.PERSON.value or not entity.get("id"):
            continue
        words = entity["name"].split()
        if len(words) > 1:
            fuller[entity_id(EntityType.PERSON, words[-1])].add((entity["id"], entity["name"]))
        elif entity["id"] == entity_id(EntityType.PERSON, entity["name"]):
            alone[entity["id"]] = entity["name"]
    return [
        Link(source, target, name, alone[source], EntityType.PERSON.value, story)
        for source in alone
        if len(fuller.get(source, ())) == 1
        for target, name in fuller[source]
    ]


class EntityLinker:
    """Applies the links above to the articles of the alias (see the module's docstring)."""

    def __init__(self, client: Elasticsearch, settings: ElasticsearchSettings) -> None:
        self.client = client
        self.alias = settings.es_alias
        self.book = settings.es_alerts_index  # the indexer's bookkeeping index: watermarks, leases, links

    def link(self, window: dict[str, Any], stories: Iterable[str]) -> int:
        """Link what the articles of ``window`` teach and need, and the stories they touched; how many
        articles were pointed."""
        learned: list[Link] = []
        bare: set[str] = set()
        for hit in scan(self.client, index=self.alias, query={"query": window}, _source=["entities"]):
            entities = hit["_source"].get("entities") or []
            learned.extend(acronym_links(entities))
            bare.update(
                entity["id"]
                for entity in entities
                if entity.get("type") == EntityType.ORGANIZATION.value and str(entity.get("name", "")).isupper()
            )
        links = self._remember(learned)
        links.update(self._known(bare - links.keys()))
        pointed = sum(self.point(link) for link in links.values())
        touched = sorted(set(stories))
        for start in range(0, len(touched), STORY_CHUNK):
            for story, entities in self._entities_by_story(touched[start : start + STORY_CHUNK]).items():
                pointed += sum(self.point(link) for link in surname_links(story, entities))
        return pointed

    def _remember(self, learned: list[Link]) -> dict[str, Link]:
        """Store the acronym links learned; those that hold (not ambiguous), by source id."""
        by_source: dict[str, Link] = {}
        for link in learned:
            by_source.setdefault(link.source, link)
        if not by_source:
            return {}
        stored = self._stored(by_source)
        usable: dict[str, Link] = {}
        writes: list[dict[str, Any]] = []
        for source, link in by_source.items():
            before = stored.get(source) or {}
            ambiguous = bool(before) and bool(before.get("ambiguous") or before.get("target") != link.target)
            document: dict[str, Any] = {
                "kind": "entity-link",
                "source": source,
                "ambiguous": ambiguous,
                "target": None if ambiguous else link.target,
                "name": link.name,
                "old_name": link.old_name,
            }
            if not before or ambiguous != bool(before.get("ambiguous")):
                writes.append({"_index": self.book, "_id": LINK_PREFIX + source, "_source": document})
            if not ambiguous:
                usable[source] = link
        if writes:
            bulk(self.client, writes, refresh=True)
            for write in writes:
                if write["_source"]["ambiguous"]:
                    log.info("acronym %s has two expansions; it is no longer linked", write["_source"]["old_name"])
        return usable

    def _stored(self, sources: Iterable[str]) -> dict[str, dict[str, Any]]:
        ids = [LINK_PREFIX + source for source in sorted(sources)]
        if not ids:
            return {}
        docs = self.client.mget(index=self.book, ids=ids)["docs"]
        return {doc["_id"][len(LINK_PREFIX) :]: doc["_source"] for doc in docs if doc.get("found")}

    def _known(self, sources: Iterable[str]) -> dict[str, Link]:
        """Links learned earlier for the bare acronyms the window's articles name."""
        return {
            source: Link(source, doc["target"], doc["name"], doc["old_name"], EntityType.ORGANIZATION.value)
            for source, doc in self._stored(sources).items()
            if doc.get("target") and not doc.get("ambiguous")
        }

    def _entities_by_story(self, stories: list[str]) -> dict[str, list[dict[str, Any]]]:
        """The persons of these stories' articles, by story (one scan for many stories)."""
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        query = {"query": {"terms": {"story_id": stories}}}
        for hit in scan(self.client, index=self.alias, query=query, _source=["story_id", "entities"]):
            found[hit["_source"]["story_id"]].extend(
                entity for entity in hit["_source"].get("entities") or [] if entity.get("type") == "person"
            )
        return found

    def point(self, link: Link) -> int:
        """Point every stored article naming ``link.source`` (in its story, if it has one) at its target."""
        filters: list[dict[str, Any]] = [{"term": {"entity_ids": link.source}}]
        if link.story:
            filters.append({"term": {"story_id": link.story}})
        field = _FLAT[link.entity_type]
        naming = scan(
            self.client,
            index=self.alias,
            query={"query": {"bool": {"filter": filters}}, "seq_no_primary_term": True},
            _source=["entities", "entity_ids", field],
        )
        updates = [
            {"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"], "doc": changes,
             "if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]}
            for hit in naming
            if (changes := pointed(hit["_source"], link)) is not None
        ]  # fmt: skip
        if not updates:
            return 0
        done, failed = bulk(self.client, updates, raise_on_error=False, refresh=True)
        if isinstance(failed, list) and failed:
            log.info("%d articles not pointed from %s to %s this time (written meanwhile): %s", len(failed),
                     link.source, link.target, failed[:1])  # fmt: skip
        return done
