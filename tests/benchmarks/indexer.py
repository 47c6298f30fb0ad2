"""Indexer throughput against raw ``helpers.bulk`` of the same documents, and publish-to-searchable latency.

    python -m tests.benchmarks.indexer [--copies 4] [--rate 20] [--json out.json]

Needs the local stack (`newsflow stack up`). The BBC articles of ../shared/data are cleaned and enriched
first (not measured), ``--copies`` times under distinct URLs. Measured in one run, side by side:

- raw: ``elasticsearch.helpers.bulk`` of the very documents the indexer would write, into a fresh index,
  through a client made as the indexer makes its own, the documents as dicts (the ratio) and, stricter, as
  the JSON bytes the indexer itself sends (``ratio_to_bulk_of_json_bytes``: no serialising at all);
  raw and stage alternate ``--rounds`` times, each into fresh indices, and the medians make the ratio;
- stage: the indexer service draining the same articles from its Kafka topic (written uncompressed, as the
  processor writes it), from the first document's
  ``indexed_at`` (stamped as its batch is prepared, after the group join) to the moment the last batch's
  offsets are committed (after its bulk landed) — the last batch's bulk counts, as raw's last chunk does;
- latency: articles published to ``news.enriched`` one by one at ``--rate`` per second with the indexer
  running; the time until each is returned by a search (refresh interval 1 s), p50 and p99.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path

from elasticsearch import Elasticsearch, helpers
from kafka import KafkaAdminClient, KafkaProducer

from schemas import EnrichedArticle, RawArticle, encode
from schemas.codec import MAX_MESSAGE_BYTES
from services.common.messaging import ensure_topics
from services.fetcher.inputs import split_seed_text
from services.indexer.documents import bulk_action, index_template, to_document
from services.indexer.elastic import make_client
from services.indexer.settings import IndexerSettings
from services.processor.clean import clean
from services.processor.enrich import enrich_batch
from tests.support import measurement_parser, private_pipeline_env, report, settings_values

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_articles(data: Path, copies: int) -> list[EnrichedArticle]:
    cleaned = []
    for path in sorted((data / "bbc-news").glob("*/*.txt")):
        title, body = split_seed_text(path.read_text(encoding="utf-8", errors="replace"))
        cleaned.append(
            clean(RawArticle(url=f"https://bench.example/{path.parent.name}/{path.stem}", title=title, text=body))
        )
    enriched = enrich_batch(cleaned)
    return [
        article.model_copy(update={"id": f"{copy:04x}{article.id[4:]}", "url": f"{article.url}?copy={copy}"})
        for copy in range(copies)
        for article in enriched
    ]


def raw_rate(client: Elasticsearch, articles: list[EnrichedArticle], prefix: str, *, serialised: bool) -> float:
    """Documents as dicts, serialised by the client (``serialised=False``), or already JSON bytes."""
    client.indices.put_index_template(
        name=f"{prefix}-raw", **index_template(f"{prefix}-raw", f"{prefix}-raw-alias", english=False)
    )
    actions = [bulk_action(article, f"{prefix}-raw", 1) for article in articles]
    if not serialised:
        actions = [
            {**action, "_source": to_document(article)} for action, article in zip(actions, articles, strict=True)
        ]
    started = time.perf_counter()
    helpers.bulk(client, actions, chunk_size=500, max_chunk_bytes=50 * 1024 * 1024)
    return len(actions) / (time.perf_counter() - started)


def stage_rate(
    client: Elasticsearch, env: dict[str, str], settings: IndexerSettings, articles: list[EnrichedArticle]
) -> float:
    producer = _processor_like_producer(settings)
    for article in articles:
        producer.send(settings.topic_enriched, key=article.id.encode(), value=encode(article))
    producer.flush()
    producer.close()
    indexer = subprocess.Popen([sys.executable, "-m", "services.indexer.service"], env=env, cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    try:
        deadline = time.monotonic() + 900
        while _committed(admin, settings.indexer_group) < len(articles):
            if time.monotonic() > deadline or indexer.poll() is not None:
                raise RuntimeError("the indexer did not index the backlog")
            time.sleep(0.02)
        finished = time.time()
        client.indices.refresh(index=settings.es_alias)
        if client.count(index=settings.es_alias)["count"] < len(articles):
            raise RuntimeError("offsets were committed before every document was written")
        first = client.search(index=settings.es_alias, size=0, aggs={"first": {"min": {"field": "indexed_at"}}})
        return len(articles) / (finished - first["aggregations"]["first"]["value"] / 1000)
    finally:
        admin.close()
        indexer.terminate()
        indexer.wait(timeout=60)


def _processor_like_producer(settings: IndexerSettings) -> KafkaProducer:
    """A producer writing ``news.enriched`` as the processor's faust producer does: uncompressed, all acks."""
    return KafkaProducer(**settings.kafka_client_options(), acks="all", compression_type=None, linger_ms=20,
                         max_request_size=MAX_MESSAGE_BYTES)  # fmt: skip


def _committed(admin: KafkaAdminClient, group: str) -> int:
    """Messages the group has committed, over all its partitions (0 before its first commit)."""
    committed = admin.list_group_offsets({group: None}).get(group, {})
    return sum(meta.offset for meta in committed.values() if meta.offset > 0)


def latencies(client: Elasticsearch, env: dict[str, str], settings: IndexerSettings, articles: list[EnrichedArticle],
              rate: float) -> list[float]:  # fmt: skip
    indexer = subprocess.Popen([sys.executable, "-m", "services.indexer.service"], env=env, cwd=REPO_ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            pending = [article_id for article_id in list(sent) if article_id not in seen]
            if pending:
                hits = client.search(index=settings.es_alias, size=len(pending), query={"ids": {"values": pending}},
                                     source=False)["hits"]["hits"]  # fmt: skip
                now = time.monotonic()
                for hit in hits:
                    seen.setdefault(hit["_id"], now)
            time.sleep(0.05)

    try:
        time.sleep(8)  # the indexer joins its group first
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        producer = _processor_like_producer(settings)
        for article in articles:
            fresh = article.model_copy(update={"id": uuid.uuid4().hex, "enriched_at": datetime.now().astimezone()})
            producer.send(settings.topic_enriched, key=fresh.id.encode(), value=encode(fresh)).get(timeout=30)
            sent[fresh.id] = time.monotonic()
            time.sleep(1 / rate)
        deadline = time.monotonic() + 120
        while len(seen) < len(sent) and time.monotonic() < deadline:
            time.sleep(0.2)
        done.set()
        watcher.join(timeout=5)
        producer.close()
    finally:
        indexer.terminate()
        indexer.wait(timeout=60)
    return sorted(seen[article_id] - sent[article_id] for article_id in seen)


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--copies", type=int, default=8, help="the BBC articles this many times (2,304 documents)")
    parser.add_argument("--rate", type=float, default=20.0, help="articles/s for the latency run")
    parser.add_argument("--rounds", type=int, default=5, help="raw and stage alternate this often; medians count")
    args = parser.parse_args(argv)
    articles = load_articles(args.data, args.copies)
    run = f"bench-{uuid.uuid4().hex[:8]}"
    client = Elasticsearch("http://127.0.0.1:9200", request_timeout=120)
    raws: list[float] = []
    serialised: list[float] = []
    stages: list[float] = []
    try:
        raw_rate(client, articles, f"{run}-warm-up", serialised=True)  # the node's JIT warms up for no one side
        for number in range(args.rounds):  # alternating, each into fresh indices: a merge or a noisy
            env = private_pipeline_env(f"{run}-{number}", partitions=1, log_level="WARNING")  # neighbour
            settings = IndexerSettings.model_validate(settings_values(env))  # hits both sides alike
            ensure_topics(settings)
            with make_client(settings) as writer:  # the indexer's own client: same serialiser, same options
                raws.append(raw_rate(writer, articles, f"{run}-{number}", serialised=False))
                serialised.append(raw_rate(writer, articles, f"{run}-{number}-json", serialised=True))
            stages.append(stage_rate(client, env, settings, articles))
        raw, stage = statistics.median(raws), statistics.median(stages)
        raw_serialised = statistics.median(serialised)
        waits = latencies(client, env, settings, articles[: int(args.rate * 30)], args.rate)
    finally:
        client.indices.delete(index=f"{run}-*", ignore_unavailable=True)
        for template in client.indices.get_index_template(name=f"{run}*").body["index_templates"]:
            client.indices.delete_index_template(name=template["name"])
        client.close()
        admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
        admin.delete_topics([name for name in admin.list_topics() if run in name])
        admin.close()
    result = {
        "documents": len(articles),
        "raw_helpers_bulk_docs_per_s": round(raw, 1),
        "indexer_docs_per_s": round(stage, 1),
        "ratio": round(stage / raw, 3),
        "rounds": args.rounds,
        "round_ratios": [round(one / other, 3) for one, other in zip(stages, raws, strict=True)],
        "raw_bulk_of_json_bytes_docs_per_s": round(raw_serialised, 1),
        "ratio_to_bulk_of_json_bytes": round(stage / raw_serialised, 3),
        "latency_rate_per_s": args.rate,
        "latency_articles": len(waits),
        "latency_p50_s": round(statistics.quantiles(waits, n=100)[49], 3),
        "latency_p99_s": round(statistics.quantiles(waits, n=100)[98], 3),
    }
    return report(result, args.json, label="indexer")


if __name__ == "__main__":
    sys.exit(main())
