"""Clean-stage throughput through Kafka against the pure cleaning code in a loop, side by side in one run.

    python -m tests.benchmarks.clean_stage [--copies 2] [--json out.json]

Needs the local stack (`newsflow stack up`). Uses the real pages of ../shared/data as input, each
published under ``--copies`` URLs. Prints articles/s for both and their ratio (the machine is shared and
noisy, so only the ratio of two measurements taken together means much).
"""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
import uuid
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from schemas import RawArticle, encode
from schemas.codec import MAX_MESSAGE_BYTES
from services.common.messaging import ensure_topics
from services.fetcher.inputs import decode_text
from services.processor.clean import clean
from services.processor.settings import ProcessorSettings
from tests.support import measurement_parser, private_pipeline_env, report, settings_values

REPO_ROOT = Path(__file__).resolve().parents[2]


def load_articles(data: Path, copies: int) -> list[RawArticle]:
    pages = sorted((data / "article-extraction" / "html").glob("*.html.gz"))
    pages += sorted((data / "news-pages" / "html").glob("*.html.gz"))
    htmls = [decode_text(gzip.decompress(page.read_bytes()), str(page)) for page in pages]
    return [
        RawArticle(url=f"https://bench.example/{copy}/{index}", html=html)
        for copy in range(copies)
        for index, html in enumerate(htmls)
    ]


def pure_rate(articles: list[RawArticle]) -> float:
    """Articles/s of the cleaning code called in a loop (the first call, which loads models, not timed)."""
    clean(RawArticle(url="https://bench.example/warm-up", text="A warm-up article. " * 20))
    started = time.perf_counter()
    for article in articles:
        clean(article)
    return len(articles) / (time.perf_counter() - started)


def stage_rate(articles: list[RawArticle]) -> float:
    """Articles/s of a processor worker draining a backlog: the span between its first and last output."""
    env = private_pipeline_env(f"bench-{uuid.uuid4().hex[:8]}", partitions=1, log_level="WARNING")
    env["NEWSFLOW_PROCESSOR_STAGES"] = "clean"  # the enrich agent would share the event loop and the core
    settings = ProcessorSettings.model_validate(settings_values(env))
    ensure_topics(settings)
    producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092", max_request_size=MAX_MESSAGE_BYTES)
    for article in articles:
        producer.send(settings.topic_raw, key=article.id.encode(), value=encode(article))
    producer.flush()
    producer.close()
    # The backlog is in place before the worker starts, so nothing else competes for the CPU meanwhile.
    processor = subprocess.Popen(
        [sys.executable, "-m", "services.processor.app"], env=env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL
    )
    consumer = KafkaConsumer(bootstrap_servers="127.0.0.1:9092")
    partition = TopicPartition(settings.topic_clean, 0)
    try:
        deadline = time.monotonic() + 900
        while consumer.end_offsets([partition])[partition] < len(articles):
            if time.monotonic() > deadline or processor.poll() is not None:
                raise RuntimeError("the processor did not clean the backlog")
            time.sleep(2)
    finally:
        processor.terminate()
        processor.wait(timeout=60)
    consumer.assign([partition])
    consumer.seek_to_beginning(partition)
    stamps: list[int] = []
    while len(stamps) < len(articles):
        stamps += [record.timestamp for batch in consumer.poll(timeout_ms=1000).values() for record in batch]
    consumer.close()
    return (len(stamps) - 1) / ((max(stamps) - min(stamps)) / 1000)


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    parser.add_argument("--copies", type=int, default=2)
    args = parser.parse_args(argv)
    articles = load_articles(args.data, args.copies)
    pure = pure_rate(articles)
    stage = stage_rate(articles)
    result = {
        "articles": len(articles),
        "pure_clean_articles_per_s": round(pure, 1),
        "clean_stage_articles_per_s": round(stage, 1),
        "ratio": round(stage / pure, 3),
    }
    return report(result, args.json, label="clean-stage")


if __name__ == "__main__":
    sys.exit(main())
