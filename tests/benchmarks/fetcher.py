"""Fetcher throughput against a local news site, and what a restart costs, side by side in one run.

    python -m tests.benchmarks.fetcher [--json out.json]

Needs the local stack (`newsflow stack up`). Serves the real CNN and Korea Times feeds and real news pages
from 127.0.0.1 (tests/newssite.py) and measures, in one process:

- pages/s of a first poll of both feeds (feed fetch, one GET per article page, rel=canonical, publish with
  broker acknowledgement), no politeness delay (one host, loopback);
- messages/s of a bare kafka-python producer sending the same RawArticles (acks=all), against the
  fetcher's publishing path (``Publisher.publish``: fingerprint, dedup, acknowledged send, seen record) on
  the same articles — the ``ratio``; and the whole poll's pages/s against the bare producer (it includes
  fetching and parsing every page, which the producer does not do);
- a restart: a new fetcher reads its state back from Kafka and polls again; the share of those polls
  answered by 304 and the article pages fetched again (should be none).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
import uuid

from kafka import KafkaAdminClient, KafkaConsumer

from schemas import RawArticle, decode
from schemas.codec import MAX_MESSAGE_BYTES
from services.common.messaging import ensure_topics, make_producer
from services.fetcher.http import AddressPolicy, SafeClient
from services.fetcher.inputs import InputItem
from services.fetcher.politeness import HostGate, RobotsPolicy
from services.fetcher.poller import Poller
from services.fetcher.publisher import Publisher
from services.fetcher.schedule import after_success, initial_state
from services.fetcher.service import load_states
from services.fetcher.settings import FetcherSettings
from services.fetcher.sources import Source, SourceKind
from tests.newssite import REAL_FEEDS, NewsSite
from tests.support import measurement_parser, private_pipeline_env, report, settings_values


def _fetcher(settings: FetcherSettings) -> tuple[Poller, Publisher, SafeClient]:
    publisher = Publisher(settings)
    client = SafeClient(AddressPolicy(["127.0.0.0/8"]), max_bytes=settings.fetcher_max_bytes)
    gate = HostGate(0.0)
    return Poller(settings, publisher, client, gate, RobotsPolicy(client, gate)), publisher, client


def _published(settings: FetcherSettings) -> list[RawArticle]:
    consumer = KafkaConsumer(
        settings.topic_raw,
        bootstrap_servers=settings.bootstrap_servers,
        auto_offset_reset="earliest",
        consumer_timeout_ms=3000,
        max_partition_fetch_bytes=MAX_MESSAGE_BYTES,
        fetch_max_bytes=64 * 1024 * 1024,
    )
    try:
        return [decode(RawArticle, record.value) for record in consumer]
    finally:
        consumer.close()


def run() -> dict[str, float | int]:
    run_id = f"bench-{uuid.uuid4().hex[:8]}"
    env = private_pipeline_env(run_id, partitions=1, log_level="WARNING")
    settings = FetcherSettings.model_validate(settings_values(env))
    site = NewsSite().start()
    sources = [
        Source(name=name, kind=SourceKind.FEED, url=f"{site.base}/{name}/rss.xml", interval=60) for name in REAL_FEEDS
    ]
    try:
        poller, publisher, client = _fetcher(settings)
        states = {}
        started = time.perf_counter()
        pages = 0
        for source in sources:
            report = poller.poll(source, initial_state(source))
            pages += report.new
            states[source.name] = after_success(
                initial_state(source),
                source,
                time.time(),
                new=report.new,
                known=report.known,
                etag=report.validators.etag,
                last_modified=report.validators.last_modified,
                http_status=report.http_status,
            )
        fetch_seconds = time.perf_counter() - started
        for name, state in states.items():  # what the service saves after each poll
            publisher.producer.send(
                settings.topic_sources, key=name.encode(), value=json.dumps(dataclasses.asdict(state)).encode()
            )
        publisher.close()
        client.close()

        articles = _published(settings)
        bare_topic = f"{settings.topic_raw}.bare"
        ensure_topics(settings, extra={bare_topic: {}})
        producer = make_producer(settings, "bench-raw")
        started = time.perf_counter()
        futures = [producer.send(bare_topic, key=a.id.encode(), value=a.model_dump_json().encode()) for a in articles]
        for future in futures:
            future.get(timeout=120)
        raw_seconds = time.perf_counter() - started
        producer.close()

        # The fetcher's publishing path on the same articles: fingerprints, dedup, acknowledged sends, the
        # seen records — into fresh topics, so nothing is known yet.
        fresh = settings.model_copy(
            update={"topic_raw": f"{settings.topic_raw}.publisher", "topic_seen": f"{settings.topic_seen}.publisher"}
        )
        ensure_topics(fresh, extra={fresh.topic_seen: {"cleanup.policy": "compact"}})
        publisher = Publisher(fresh)
        started = time.perf_counter()
        items: list[InputItem] = list(articles)
        published = publisher.publish(items)
        publisher_seconds = time.perf_counter() - started
        publisher.close()
        assert published.published == len(articles)

        requests_before = len(site.log())
        poller, publisher, client = _fetcher(settings)  # the restart: state comes back from Kafka
        saved = load_states(settings)
        reports = [poller.poll(source, saved[source.name]) for source in sources]
        publisher.close()
        client.close()
        after = site.log()[requests_before:]
        republished = len(_published(settings)) - len(articles)
    finally:
        site.stop()
        _drop_topics(run_id)
    return {
        "pages": pages,
        "fetcher_pages_per_s": round(pages / fetch_seconds, 1),
        "bare_producer_messages_per_s": round(len(articles) / raw_seconds, 1),
        "publisher_messages_per_s": round(len(articles) / publisher_seconds, 1),
        "ratio": round(raw_seconds / publisher_seconds, 3),  # the fetcher's publish rate / the bare producer's
        "poll_vs_bare_producer_ratio": round((pages / fetch_seconds) / (len(articles) / raw_seconds), 3),
        "restart_polls_answered_304": round(sum(r.not_modified for r in reports) / len(reports), 3),
        "restart_pages_refetched": sum(1 for r in after if "/rss.xml" not in r.path and r.path != "/robots.txt"),
        "restart_articles_republished": republished,
    }


def _drop_topics(run_id: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    try:
        admin.delete_topics([name for name in admin.list_topics() if run_id in name])
    finally:
        admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    args = parser.parse_args(argv)
    result = run()
    return report(result, args.json, label="fetcher")


if __name__ == "__main__":
    sys.exit(main())
