"""Saved-search alerts: each newly indexed article that matches a saved search is published once to
``news.alerts``. An alert made ``per_story`` fires once per story instead: for the first matching article of
each story, not for every outlet's report of it. Webhooks are delivered from ``news.alerts`` by their own
consumer (webhooks.py), so a slow endpoint never holds up indexing or the searches.

It works on the minimal node, which has no percolator: like Kibana's query rules, each saved search runs over
the articles indexed since its last run (``indexed_at`` after its watermark, up to a few seconds ago so that
writes still in flight are not skipped). The searches run in a thread of their own beside the indexing loop,
in one indexer per deployment: the holder of a lease. Each match is claimed before it is published (its
marker ``<alert>:<article id>`` is created only if absent), so an article updated later matches again but
fires no second time, and two runners overlapping at a hand-over never both publish it.

A saved search is checked when it is stored: a query Elasticsearch cannot parse is refused then, and a
webhook must be an http(s) URL on an address the webhook policy allows (public ones, unless the operator
allows a network). At run time one failing search is logged and the others still run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from elasticsearch import ApiError, ConflictError, Elasticsearch, NotFoundError
from kafka import KafkaProducer

from schemas import AlertMatch, EnrichedArticle, encode, find_media_topic
from services.fetcher.http import AddressPolicy, FetchError
from services.indexer.indices import create_once
from services.indexer.settings import AlertSettings

log = logging.getLogger(__name__)

# Articles indexed this recently are left for the next run: their bulk request may still be in flight.
SETTLE = timedelta(seconds=2)
# A claim this old that is not yet published was left by a runner that died between claiming and publishing.
# Well past a publication's own timeout (60 s) and the lease (15 s), so its runner has surely given up.
STALE_CLAIM = timedelta(seconds=180)
LEASE_ID = "lease:runner"
_MAPPING: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "kind": {"type": "keyword"},  # "alert", "fired", "watermark", "lease", "entity-link"
        "name": {"type": "keyword"},
        "query": {"type": "text", "index": False},
        "topic": {"type": "keyword"},
        "entity": {"type": "keyword"},
        "webhook": {"type": "keyword", "index": False},
        "created_at": {"type": "date"},
        "checked_until": {"type": "date"},
        "article_id": {"type": "keyword"},
        "per_story": {"type": "boolean"},
        "story_id": {"type": "keyword"},
        "state": {"type": "keyword"},  # of a fired match: "claimed", then "published"
        "claimed_at": {"type": "date"},
        "match": {"type": "object", "enabled": False},  # the AlertMatch, to publish a claim left behind
        "holder": {"type": "keyword"},  # of the runner lease
        "expires_at": {"type": "date"},
        "source": {"type": "keyword"},  # of an entity link (entity_links.py): the id pointed from …
        "target": {"type": "keyword"},  # … the id pointed at, unless the acronym is ambiguous
        "ambiguous": {"type": "boolean"},
        "old_name": {"type": "keyword"},
    },
}


class AlertError(ValueError):
    """A saved search that cannot be stored (bad topic, nothing to match); the message says why."""


def ensure_alerts_index(client: Elasticsearch, index: str) -> None:
    create_once(client, index, mappings=_MAPPING, settings={"number_of_replicas": 0})
    client.indices.put_mapping(index=index, properties=_MAPPING["properties"])  # fields added since it was made


def add_alert(
    client: Elasticsearch,
    index: str,
    name: str,
    *,
    query: str | None = None,
    topic: str | None = None,
    entity: str | None = None,
    webhook: str | None = None,
    per_story: bool = False,
    webhook_policy: AddressPolicy | None = None,
) -> dict[str, Any]:
    """Store a saved search; it fires for articles indexed from now on (once per story if ``per_story``)."""
    webhook_policy = webhook_policy or AddressPolicy()
    if not (query or topic or entity):
        raise AlertError("an alert needs at least one of --query, --topic, --entity")
    code = find_media_topic(topic) if topic else None
    if topic and code is None:
        raise AlertError(f"unknown topic {topic!r}")
    if webhook and not webhook.startswith(("http://", "https://")):
        raise AlertError(f"webhook must be an http(s) URL, not {webhook!r}")
    if webhook:
        try:
            webhook_policy.check(webhook)
        except FetchError as error:
            raise AlertError(f"webhook {error.reason}") from None
    ensure_alerts_index(client, index)
    if query:
        _check_query(client, index, query)
    now = datetime.now(UTC).isoformat()
    alert = {"kind": "alert", "name": name, "query": query, "topic": code, "entity": entity, "webhook": webhook,
             "per_story": per_story, "created_at": now, "checked_until": now}  # fmt: skip
    client.index(index=index, id=f"alert:{name}", document=alert, refresh=True)
    return alert


def _check_query(client: Elasticsearch, index: str, query: str) -> None:
    """Refuse a query string Elasticsearch cannot parse, with its reason, before it is stored."""
    checked = client.indices.validate_query(index=index, query=query_string(query), explain=True)
    if not checked.get("valid", False):
        reasons = [item.get("error", "") for item in checked.get("explanations", []) if item.get("error")]
        reason = (reasons[0] if reasons else checked.get("error", "")).split("\n")[0]
        raise AlertError(f"query {query!r} cannot be parsed: {reason}".rstrip(": "))


def query_string(query: str) -> dict[str, Any]:
    return {"query_string": {"query": query, "fields": ["title^2", "body"], "default_operator": "AND"}}


def list_alerts(client: Elasticsearch, index: str) -> list[dict[str, Any]]:
    try:
        hits = client.search(index=index, query={"term": {"kind": "alert"}}, size=1000, sort=[{"name": "asc"}])
    except NotFoundError:
        return []
    return [hit["_source"] for hit in hits["hits"]["hits"]]


def remove_alert(client: Elasticsearch, index: str, name: str) -> bool:
    try:
        client.delete(index=index, id=f"alert:{name}", refresh=True)
    except NotFoundError:
        return False
    return True


def match_query(alert: dict[str, Any], since: str, until: str) -> dict[str, Any]:
    """The Elasticsearch query of one saved search over one window of ``indexed_at``."""
    must: list[dict[str, Any]] = [{"range": {"indexed_at": {"gt": since, "lte": until}}}]
    if alert.get("query"):
        must.append(query_string(alert["query"]))
    if alert.get("topic"):
        must.append({"term": {"topic_codes": alert["topic"]}})
    if alert.get("entity"):
        must.append(naming_query(alert["entity"]))
    return {"bool": {"filter": must}}


# ---------------------------------------------------------------------------------- naming an entity
# What `--entity X` means, for `alerts` (a query in Elasticsearch) and `subscribe` (a test in Python) alike:
# one of the article's entities has X as its name or an alias, or as whole words of one, in any case.
# "Shamkhani" names "Ali Shamkhani"; "Sham" does not.

NAME_FIELDS = ("persons", "organizations", "locations", "misc")


def wanted_name(wanted: str) -> str:
    return " ".join(wanted.casefold().split())


def mentions_entity(article: EnrichedArticle, wanted: str) -> bool:
    """Whether the article names the entity (see above)."""
    target = wanted_name(wanted)
    for entity in article.entities:
        for name in (entity.name, *entity.aliases):
            if f" {target} " in f" {' '.join(name.casefold().split())} ":
                return True
    return False


def naming_query(wanted: str) -> dict[str, Any]:
    """The same test as ``mentions_entity``, over the keyword fields of the index."""
    target = _escape_wildcard(wanted_name(wanted))
    patterns = [target, f"{target} *", f"* {target}", f"* {target} *"]

    def matching(field: str) -> list[dict[str, Any]]:
        return [{"wildcard": {field: {"value": pattern, "case_insensitive": True}}} for pattern in patterns]

    should = [clause for field in NAME_FIELDS for clause in matching(field)]
    nested = {"bool": {"should": matching("entities.name") + matching("entities.aliases"), "minimum_should_match": 1}}
    should.append({"nested": {"path": "entities", "query": nested}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _escape_wildcard(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


class RunnerLease:
    """Which indexer runs the saved searches: one lease document, taken and renewed by compare-and-set.

    Every indexer has a runner thread, but only the lease holder runs the searches; when it dies the lease
    expires and another takes it over. A holder that stalls past its lease can overlap the next one for a
    run; the claims below keep that from firing anything twice.
    """

    def __init__(self, client: Elasticsearch, index: str, ttl_s: float, holder: str | None = None) -> None:
        self.client, self.index, self.ttl_s = client, index, ttl_s
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def hold(self) -> bool:
        """Take or renew the lease; True while this runner holds it."""
        now = datetime.now(UTC)
        expires = (now + timedelta(seconds=self.ttl_s)).isoformat()
        lease = {"kind": "lease", "holder": self.holder, "expires_at": expires}
        try:
            current = self.client.get(index=self.index, id=LEASE_ID)
        except NotFoundError:
            try:
                self.client.create(index=self.index, id=LEASE_ID, document=lease)
            except ConflictError:  # another runner took it first
                return False
            return True
        held = current["_source"]
        if held["holder"] != self.holder and datetime.fromisoformat(held["expires_at"]) > now:
            return False
        try:
            self.client.index(index=self.index, id=LEASE_ID, document=lease,
                              if_seq_no=current["_seq_no"], if_primary_term=current["_primary_term"])  # fmt: skip
        except ConflictError:  # taken or renewed by another since we read it
            return False
        return True


class AlertRunner:
    """Runs every saved search over what was indexed since its last run; publishes each match once.

    A match is claimed before it is published: its marker is created (only if absent) with the match in
    it, so two runners never both publish it. A claim left unpublished by a runner that died in between is
    published by the next run that finds it, once it is older than ``STALE_CLAIM``.
    """

    def __init__(
        self,
        settings: AlertSettings,
        client: Elasticsearch,
        producer: KafkaProducer,
        *,
        interval_s: float = 5.0,
        lease: RunnerLease | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.producer = producer
        self.interval_s = interval_s
        self.lease = lease or RunnerLease(client, settings.es_alerts_index, ttl_s=max(3 * interval_s, 15.0))
        self.fired = 0

    def run_forever(self, stopping: threading.Event) -> None:
        """Every ``interval_s``, run the searches if this runner holds the lease; a failure waits for the next."""
        while not stopping.wait(self.interval_s):
            try:
                if self.lease.hold():
                    self.run_once()
            except Exception as error:
                log.warning("saved-search alerts skipped this time: %s: %s", type(error).__name__, error)

    def run_once(self) -> int:
        self._publish_stale_claims()
        alerts = list_alerts(self.client, self.settings.es_alerts_index)
        if not alerts:
            return 0
        if self.client.indices.exists_alias(name=self.settings.es_alias):
            self.client.indices.refresh(index=self.settings.es_alias)
        until = (datetime.now(UTC) - SETTLE).isoformat()
        fired = 0
        for alert in alerts:
            try:
                fired += self._run_alert(alert, until)
            except ApiError as error:  # one broken search (stored before queries were checked) stops no other
                log.warning("alert %s skipped: %s", alert["name"], str(error).split("\n")[0][:300])
        self.fired += fired
        return fired

    def _run_alert(self, alert: dict[str, Any], until: str) -> int:
        index = self.settings.es_alerts_index
        since = alert["checked_until"]
        if since >= until:
            return 0
        hits = self.client.search(
            index=self.settings.es_alias,
            query=match_query(alert, since, until),
            size=1000,
            source_includes=["id", "url", "title", "source", "indexed_at", "story_id"],
            sort=[{"indexed_at": "asc"}],
        )["hits"]["hits"]
        fired = 0
        for hit in hits:
            document = hit["_source"]
            story_id = document.get("story_id")
            subject = f"story:{story_id}" if alert.get("per_story") and story_id else hit["_id"]
            match = AlertMatch(
                alert=alert["name"],
                article_id=hit["_id"],
                url=document["url"],
                title=document.get("title"),
                source=document.get("source", ""),
                matched=[key for key in ("query", "topic", "entity") if alert.get(key)],
                indexed_at=document["indexed_at"],
                story_id=story_id,
            )
            marker = f"fired:{alert['name']}:{subject}"
            if self._claim(marker, match):  # else an update of an article (or a story) already reported
                self._publish(marker, match)
                fired += 1
        # A full page may not be the whole window: move the watermark only as far as what was seen.
        checked = hits[-1]["_source"]["indexed_at"] if len(hits) == 1000 else until
        self.client.update(index=index, id=f"alert:{alert['name']}", doc={"checked_until": checked}, refresh=True)
        if fired:
            log.info("alert %s: %d new matches", alert["name"], fired)
        return fired

    def _claim(self, marker: str, match: AlertMatch) -> bool:
        claim = {"kind": "fired", "name": match.alert, "article_id": match.article_id, "story_id": match.story_id,
                 "state": "claimed", "claimed_at": datetime.now(UTC).isoformat(),
                 "match": match.model_dump(mode="json")}  # fmt: skip
        try:
            self.client.create(index=self.settings.es_alerts_index, id=marker, document=claim)
        except ConflictError:
            return False
        return True

    def _publish(self, marker: str, match: AlertMatch) -> None:
        subject = marker.removeprefix(f"fired:{match.alert}:")
        key = f"{match.alert}:{subject}".encode()
        self.producer.send(self.settings.topic_alerts, key=key, value=encode(match)).get(timeout=60)
        self.client.update(index=self.settings.es_alerts_index, id=marker, doc={"state": "published"})

    def _publish_stale_claims(self) -> None:
        """Publish the matches a runner claimed and then died before publishing."""
        before = (datetime.now(UTC) - STALE_CLAIM).isoformat()
        query = {"bool": {"filter": [{"term": {"state": "claimed"}}, {"range": {"claimed_at": {"lt": before}}}]}}
        try:
            hits = self.client.search(index=self.settings.es_alerts_index, query=query, size=1000)["hits"]["hits"]
        except NotFoundError:
            return
        for hit in hits:
            log.info("publishing %s, claimed by a runner that stopped before publishing it", hit["_id"])
            self._publish(hit["_id"], AlertMatch.model_validate(hit["_source"]["match"]))
