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

Pointing rewrites the stored entity (id and name; the text's form joins its aliases; merged into the target
when the article names both) and the flat fields dashboards count (``pointed``, pure). All the links of a run
are applied to each article at once, one partial update per article, made only if the article is still the
version read (sequence number and primary term): a revision the indexer writes meanwhile is in a later
run's window and is linked then. What was pointed stays pointed: a link later found ambiguous stops new
pointing, it does not undo the old.
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
from services.common.text import initials
from services.indexer.documents import FLAT_FIELDS

log = logging.getLogger(__name__)

STORY_CHUNK = 500  # stories whose articles one scan reads
SOURCE_CHUNK = 1000  # entity ids one scan looks for
LINK_PREFIX = "link:"
_FLAT = {kind.value: field for kind, field in FLAT_FIELDS.items()}


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
    """The fields of a stored article that change when ``link`` is applied; None if it has no such entity.
    When the article also names the target, the two become one entity (mentions summed, aliases joined)."""
    field = _FLAT[link.entity_type]
    replaced = [entity for entity in source.get("entities") or [] if entity.get("id") == link.source]
    if not replaced:
        return None
    kept = [entity for entity in source.get("entities") or [] if entity.get("id") != link.source]
    target = next((entity for entity in kept if entity.get("id") == link.target), None)
    forms = {name for entity in replaced for name in [entity["name"], *(entity.get("aliases") or [])]}
    mentions = sum(int(entity.get("mentions") or 1) for entity in replaced)
    salience = max(float(entity.get("salience") or 0.0) for entity in replaced)
    if target is None:
        merged = {**replaced[0], "id": link.target, "name": link.name, "mentions": mentions, "salience": salience}
        entities = [merged if entity is replaced[0] else entity for entity in source["entities"] if entity in kept
                    or entity is replaced[0]]  # fmt: skip
    else:
        merged = {**target, "mentions": int(target.get("mentions") or 1) + mentions,
                  "salience": max(float(target.get("salience") or 0.0), salience)}  # fmt: skip
        forms |= set(target.get("aliases") or [])
        entities = [merged if entity is target else entity for entity in kept]
    merged["aliases"] = sorted(forms - {merged["name"]})
    ids = [key for key in source.get("entity_ids") or [] if key != link.source]
    gone = {entity["name"] for entity in replaced}
    names = [name for name in source.get(field) or [] if name not in gone]
    return {
        "entities": entities,
        "entity_ids": ids if link.target in ids else [*ids, link.target],
        field: names if link.name in names else [*names, link.name],
    }


def acronym_links(entities: Iterable[dict[str, Any]]) -> Iterator[Link]:
    """Links an article teaches: its organisations' acronyms (aliases in capitals their initials spell)."""
    for entity in entities:
        if entity.get("type") != EntityType.ORGANIZATION.value or not entity.get("id"):
            continue
        for alias in entity.get("aliases") or []:
            letters = alias.replace(".", "").replace("&", "")
            if (
                2 <= len(letters) <= 10
                and letters.isupper()
                and initials(entity["name"].replace("-", " ").split()) == letters
            ):
                source = entity_id(EntityType.ORGANIZATION, alias)
                if source != entity["id"]:
                    yield Link(source, entity["id"], entity["name"], alias, EntityType.ORGANIZATION.value)


def surname_links(story: str, entities: Iterable[dict[str, Any]]) -> list[Link]:
    """Within one story's entities: each one-word person that is the last word of exactly one fuller person."""
    fuller: dict[str, dict[str, str]] = defaultdict(dict)  # surname's id → full person's id → a name
    alone: dict[str, str] = {}
    for entity in entities:
        if entity.get("type") != EntityType.PERSON.value or not entity.get("id"):
            continue
        words = entity["name"].split()
        if len(words) > 1:
            fuller[entity_id(EntityType.PERSON, words[-1])].setdefault(entity["id"], entity["name"])
        elif entity["id"] == entity_id(EntityType.PERSON, entity["name"]):
            alone[entity["id"]] = entity["name"]
    return [
        Link(source, target, name, alone[source], EntityType.PERSON.value, story)
        for source in alone
        if len(fuller.get(source, {})) == 1  # "Erdoğan" and "Erdogan" are one id, so one person
        for target, name in fuller[source].items()
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
        with_persons: set[str] = set()  # stories whose new articles name someone: their surnames may now link
        for hit in scan(self.client, index=self.alias, query={"query": window}, _source=["entities", "story_id"]):
            entities = hit["_source"].get("entities") or []
            learned.extend(acronym_links(entities))
            bare.update(
                entity["id"]
                for entity in entities
                if entity.get("type") == EntityType.ORGANIZATION.value and str(entity.get("name", "")).isupper()
            )
            if hit["_source"].get("story_id") and any(e.get("type") == EntityType.PERSON.value for e in entities):
                with_persons.add(hit["_source"]["story_id"])
        acronyms = self._remember(learned)
        acronyms.update(self._known(bare - acronyms.keys()))
        links = list(acronyms.values())
        touched = sorted(set(stories) & with_persons)
        for start in range(0, len(touched), STORY_CHUNK):
            for story, entities in self._entities_by_story(touched[start : start + STORY_CHUNK]).items():
                links.extend(surname_links(story, entities))
        return self.point(links)

    def _remember(self, learned: list[Link]) -> dict[str, Link]:
        """Store the acronym links learned; those that hold (not ambiguous), by source id."""
        by_source: dict[str, Link] = {}
        targets: dict[str, set[str]] = defaultdict(set)
        for link in learned:
            by_source.setdefault(link.source, link)
            targets[link.source].add(link.target)
        if not by_source:
            return {}
        stored = self._stored(by_source)
        usable: dict[str, Link] = {}
        writes: list[dict[str, Any]] = []
        for source, link in by_source.items():
            before = stored.get(source) or {}
            ambiguous = len(targets[source]) > 1 or (
                bool(before) and bool(before.get("ambiguous") or before.get("target") != link.target)
            )
            document: dict[str, Any] = {
                "kind": "entity-link",
                "source": source,
                "ambiguous": ambiguous,
                "target": None if ambiguous else link.target,
                "name": link.name,
                "old_name": link.old_name,
            }
            if not before or ambiguous != bool(before.get("ambiguous")):
                # A new link is created only if absent: a second indexer learning another expansion at the same
                # time finds it next run and marks it ambiguous.
                operation = "create" if not before and not ambiguous else "index"
                writes.append({"_op_type": operation, "_index": self.book, "_id": LINK_PREFIX + source,
                               "_source": document})  # fmt: skip
            if not ambiguous:
                usable[source] = link
        if writes:
            bulk(self.client, writes, refresh=True, raise_on_error=False)
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

    def point(self, links: list[Link]) -> int:
        """Apply ``links`` to every stored article naming a source (in its story, for a surname): one update
        per article, however many of its entities move. How many articles were updated."""
        by_source: dict[str, list[Link]] = defaultdict(list)
        for link in links:
            by_source[link.source].append(link)
        sources = sorted(by_source)
        updates = []
        for start in range(0, len(sources), SOURCE_CHUNK):
            query = {"query": {"terms": {"entity_ids": sources[start : start + SOURCE_CHUNK]}},
                     "seq_no_primary_term": True}  # fmt: skip
            fields = ["entities", "entity_ids", "story_id", *_FLAT.values()]
            for hit in scan(self.client, index=self.alias, query=query, _source=fields):
                article: dict[str, Any] = hit["_source"]
                changes: dict[str, Any] = {}
                for key in list(article.get("entity_ids") or []):
                    for link in by_source.get(key, []):
                        if link.story in (None, article.get("story_id")) and (step := pointed(article, link)):
                            article, changes = {**article, **step}, {**changes, **step}
                if changes:
                    updates.append({"_op_type": "update", "_index": hit["_index"], "_id": hit["_id"], "doc": changes,
                                    "if_seq_no": hit["_seq_no"], "if_primary_term": hit["_primary_term"]})  # fmt: skip
        if not updates:
            return 0
        done, failed = bulk(self.client, updates, raise_on_error=False, refresh=True)
        if isinstance(failed, list) and failed:
            log.info("%d articles not pointed this time (written meanwhile): %s", len(failed), failed[:1])
        return done
