"""Enrich-stage throughput through Kafka against raw ``nlp.pipe`` on the same texts, and 2 workers against 1.

    python -m tests.benchmarks.enrich_stage [--copies 1] [--rounds 3] [--json out.json]

Needs the local stack (`newsflow stack up`). Input: the BBC News articles of ../shared/data, cleaned first
(the clean stage is not what is measured), published to a private clean topic under ``--copies`` URLs each.
Measured in one run, side by side:

- raw: the spaCy pipeline's ``nlp.pipe`` over the same texts (what any enrichment must at least pay);
- pure: the enrichment code (``enrich_batch``, batches of 32) in a loop, no Kafka — the stage's own work;
- stage: one processor worker, warmed up, enriching the backlog published at once (span from publishing it
  to its last output);
- scale: two workers on the same backlog (4 partitions), against one.

The four alternate ``--rounds`` times (fresh topics each round); each ratio is the median of the rounds'
ratios, so a noisy neighbour skews both sides of a ratio alike.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

from schemas import CleanArticle, RawArticle, article_id, encode
from schemas.codec import MAX_MESSAGE_BYTES
from services.common.messaging import ensure_topics
from services.fetcher.inputs import split_seed_text
from services.processor.clean import clean
from services.processor.enrich import MAX_NER_CHARS, enrich_batch
from services.processor.entities import load_pipeline
from services.processor.settings import ProcessorSettings
from tests.support import free_port, measurement_parser, private_pipeline_env, report, settings_values

REPO_ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 4


def load_articles(data: Path, copies: int) -> list[CleanArticle]:
    articles = []
    for path in sorted((data / "bbc-news").glob("*/*.txt")):
        title, body = split_seed_text(path.read_text(encoding="utf-8", errors="replace"))
        for copy in range(copies):
            url = f"https://bench.example/{copy}/{path.parent.name}/{path.stem}"
            articles.append(clean(RawArticle(url=url, title=title, text=body)))
    return articles


def raw_rate(articles: list[CleanArticle]) -> float:
    """Articles/s of the bare model over the same texts (model loaded and warmed up first)."""
    nlp = load_pipeline()
    texts = [f"{a.title or ''}\n\n{a.body}"[:MAX_NER_CHARS] for a in articles]
    list(nlp.pipe(texts, batch_size=32))  # the same texts once first, as every side sees them
    started = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=32):
        pass
    return len(texts) / (time.perf_counter() - started)


def pure_rate(articles: list[CleanArticle]) -> float:
    """Articles/s of the enrichment code itself in batches, as the agent calls it (warmed up first)."""
    for start in range(0, len(articles), 32):  # the same texts once first, as every side sees them
        enrich_batch(articles[start : start + 32])
    started = time.perf_counter()
    for start in range(0, len(articles), 32):
        enrich_batch(articles[start : start + 32])
    return len(articles) / (time.perf_counter() - started)


def stage_rate(articles: list[CleanArticle], workers: int) -> float:
    """Articles/s of ``workers`` processor workers through Kafka, warmed up first, as raw and pure are.

    The workers join one group and enrich the same texts once under other URLs, each text on the partition
    it is measured on (model loaded, gazetteer and vector tables built, caches as warm as raw's and pure's);
    then the backlog is published at once and the rate is the backlog over the span from publishing it to
    its last output. Spanning first to last output instead would leave the first batch's work out
    while counting its articles: 12 % too fast at 288 articles in batches of 32.
    """
    run = f"bench-{uuid.uuid4().hex[:8]}"
    env = private_pipeline_env(run, partitions=PARTITIONS, log_level="WARNING")
    env["NEWSFLOW_PROCESSOR_STAGES"] = "enrich"
    settings = ProcessorSettings.model_validate(settings_values(env))
    ensure_topics(settings)
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "services.processor.app"],
            env={
                **env,
                "NEWSFLOW_PROCESSOR_DATA_DIR": f"/tmp/newsflow-{run}-{number}",
                "NEWSFLOW_PROCESSOR_WEB_PORT": str(free_port()),  # each worker its own metrics endpoint
            },
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for number in range(workers)
    ]
    admin = KafkaAdminClient(bootstrap_servers="127.0.0.1:9092")
    consumer = KafkaConsumer(bootstrap_servers="127.0.0.1:9092")
    producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092", max_request_size=MAX_MESSAGE_BYTES)
    partitions = [TopicPartition(settings.topic_enriched, p) for p in range(PARTITIONS)]
    deadline = time.monotonic() + 1800

    def wait_until(done: Callable[[], bool], what: str) -> None:
        while not done():
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise RuntimeError(f"the processors did not {what}")
            time.sleep(0.5)  # the outputs' own timestamps time the stage; polling faster only adds load

    def outputs() -> int:
        return sum(consumer.end_offsets(partitions).values())

    try:
        wait_until(lambda: _stable_members(admin, settings.processor_app_id) == workers, "join one group")
        warm_up = [_renamed(article, "warm-up") for article in articles]
        _publish(producer, settings.topic_grouped, warm_up)
        wait_until(lambda: outputs() >= len(warm_up), "enrich the warm-up set")
        start = consumer.end_offsets(partitions)
        published = time.time()
        _publish(producer, settings.topic_grouped, articles)
        wait_until(lambda: outputs() >= len(warm_up) + len(articles), "enrich the backlog")
        consumer.assign(partitions)
        for partition in partitions:
            consumer.seek(partition, start[partition])
        stamps: list[int] = []
        while len(stamps) < len(articles):
            stamps += [record.timestamp for batch in consumer.poll(timeout_ms=1000).values() for record in batch]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        producer.close()
        consumer.close()
        admin.delete_topics([name for name in admin.list_topics() if run in name])
        admin.delete_groups([settings.processor_app_id])
        admin.close()
    return len(articles) / (max(stamps) / 1000 - published)


def _stable_members(admin: KafkaAdminClient, group: str) -> int:
    """Members of a group that has finished rebalancing (0 while it has not)."""
    description = admin.describe_groups([group]).get(group, {})
    return len(description.get("members", [])) if description.get("group_state") == "Stable" else 0


def _renamed(article: CleanArticle, tag: str) -> CleanArticle:
    url = f"{article.url}?{tag}"
    return article.model_copy(update={"id": article_id(url), "url": url, "canonical_url": url})


def _publish(producer: KafkaProducer, topic: str, articles: list[CleanArticle]) -> None:
    for number, article in enumerate(articles):  # by position: a text and its warm-up twin share a partition
        producer.send(topic, key=article.id.encode(), value=encode(article), partition=number % PARTITIONS)
    producer.flush()


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3, help="raw, pure and the stage alternate this often")
    args = parser.parse_args(argv)
    articles = load_articles(args.data, args.copies)
    rounds = []
    for _ in range(args.rounds):
        raw, pure = raw_rate(articles), pure_rate(articles)
        rounds.append((raw, pure, stage_rate(articles, workers=1), stage_rate(articles, workers=2)))
    raw, pure, one, two = (statistics.median(column) for column in zip(*rounds, strict=True))

    def ratio(numerator: int, denominator: int) -> float:
        return round(statistics.median(r[numerator] / r[denominator] for r in rounds), 3)

    result = {
        "articles": len(articles),
        "rounds": args.rounds,
        "raw_nlp_pipe_articles_per_s": round(raw, 1),
        "pure_enrich_batch_articles_per_s": round(pure, 1),
        "enrich_stage_1_worker_articles_per_s": round(one, 1),
        "enrich_stage_2_workers_articles_per_s": round(two, 1),
        "stage_vs_raw_ratio": ratio(2, 0),
        "stage_vs_pure_ratio": ratio(2, 1),
        "two_vs_one_worker_ratio": ratio(3, 2),
        "stage_vs_raw_by_round": [round(r[2] / r[0], 3) for r in rounds],
    }
    return report(result, args.json, label="enrich-stage")


if __name__ == "__main__":
    sys.exit(main())
