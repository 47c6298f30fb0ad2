"""1,010 bad inputs through the real pipeline at once: each becomes exactly one dead letter with a reason, no
service stops, and every valid article sent in the same run is indexed."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from schemas import RawArticle, encode
from schemas.codec import MAX_MESSAGE_BYTES
from tests.badinputs import StaticSite, bad_documents, bad_feeds, bad_jsonl_lines, bad_messages
from tests.conftest import Pipeline, wait_for
from tests.support import alias_serves
from tests.unit.test_grouping import WIRE

pytestmark = pytest.mark.integration

BAD_RAW, BAD_CLEAN, BAD_ENRICHED, FEEDS, FILES, LINES_PER_FILE, DOCUMENTS = 600, 100, 100, 30, 30, 5, 30


def _valid(tag: str, count: int) -> list[RawArticle]:
    return [
        RawArticle(url=f"https://wire.example/{tag}/{n}", title=f"Valid {tag} {n}", text=f"{WIRE}\n\nValid {tag} {n}.")
        for n in range(count)
    ]


def test_a_thousand_bad_inputs_become_dead_letters_and_valid_articles_still_arrive(pipeline: Pipeline, tmp_path: Path):
    from kafka import KafkaProducer

    # The fetcher: broken and hostile feeds on a local site, and a watched directory of bad files.
    site = StaticSite({f"/bad/{n}.xml": body for n, body in enumerate(bad_feeds(FEEDS))}).start()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    sources = "defaults: {interval: 3600, min_interval: 3600, max_interval: 3600}\nsources:\n"
    sources += "".join(f"  - {{name: bad-{n}, kind: feed, url: '{site.base}/bad/{n}.xml'}}\n" for n in range(FEEDS))
    sources += f"  - {{name: inbox, kind: path, path: '{inbox}', interval: 1, min_interval: 1}}\n"
    (tmp_path / "sources.yaml").write_text(sources)

    valid_in_files = _valid("file", FILES)
    lines = bad_jsonl_lines(FILES * LINES_PER_FILE)
    for n in range(FILES):
        own = lines[n * LINES_PER_FILE : (n + 1) * LINES_PER_FILE]
        (inbox / f"mixed-{n:02d}.jsonl").write_bytes(b"\n".join([*own, valid_in_files[n].model_dump_json().encode()]))
    for n, (suffix, content) in enumerate(bad_documents(DOCUMENTS)):
        (inbox / f"bad-{n:02d}{suffix}").write_bytes(content)

    env = {"NEWSFLOW_SOURCES": str(tmp_path / "sources.yaml"), "NEWSFLOW_FETCHER_ALLOW_NETWORKS": "127.0.0.0/8"}
    log = tmp_path / "run.log"
    try:
        pipeline.start("run", "--plain", stderr=log, env=env)

        # Straight into each stage's input topic, valid articles among them.
        valid_direct = _valid("direct", 20)
        producer = KafkaProducer(bootstrap_servers="127.0.0.1:9092", max_request_size=MAX_MESSAGE_BYTES)
        for topic, prefix, messages in (
            ("topic_raw", "bad-raw", bad_messages(BAD_RAW)),
            ("topic_clean", "bad-clean", bad_messages(BAD_CLEAN)),
            ("topic_enriched", "bad-enriched", bad_messages(BAD_ENRICHED)),
        ):
            for n, value in enumerate(messages):
                producer.send(pipeline.setting(topic), key=f"{prefix}-{n}".encode(), value=value)
                if topic == "topic_raw" and n % 30 == 0:
                    article = valid_direct[n // 30]
                    producer.send(pipeline.setting("topic_raw"), key=article.id.encode(), value=encode(article))
        producer.flush()
        producer.close()

        expected = {article.id for article in [*valid_in_files, *valid_direct]}
        client = Elasticsearch("http://127.0.0.1:9200")

        def indexed() -> set[str] | None:
            alias = pipeline.setting("es_alias")
            if not alias_serves(client, alias):
                return None
            client.indices.refresh(index=alias)
            hits = client.search(index=alias, size=1000, source=False)["hits"]["hits"]
            found = {hit["_id"] for hit in hits}
            return found if found >= expected else None

        assert wait_for(indexed, timeout=300, interval=2) == expected
        client.close()

        total_bad = BAD_RAW + BAD_CLEAN + BAD_ENRICHED + FEEDS + FILES * LINES_PER_FILE + DOCUMENTS
        assert total_bad >= 1000

        def all_letters() -> list[dict[str, Any]] | None:
            letters = pipeline.messages("topic_dlq")
            return letters if len(letters) >= total_bad else None

        letters = wait_for(all_letters, timeout=180, interval=3)
    finally:
        site.stop()

    assert all(letter["reason"] and letter["error_class"] for letter in letters)
    by_key = Counter(letter["key"].rsplit("-", 1)[0] for letter in letters if (letter["key"] or "").startswith("bad-"))
    assert by_key == {"bad-raw": BAD_RAW, "bad-clean": BAD_CLEAN, "bad-enriched": BAD_ENRICHED}
    stages = Counter(letter["stage"] for letter in letters)
    assert stages["clean"] == BAD_RAW and stages["group"] == BAD_CLEAN and stages["index"] == BAD_ENRICHED
    fetched = [letter for letter in letters if letter["stage"] == "fetch"]
    assert len(fetched) == FEEDS and all("/bad/" in letter["url"] for letter in fetched), "each broken feed once"
    ingested = [letter for letter in letters if letter["stage"] == "ingest"]
    twice = [url for url, count in Counter(letter["url"] for letter in ingested).items() if count > 1]
    assert len(ingested) == FILES * LINES_PER_FILE + DOCUMENTS, f"each bad line and file once; twice: {twice[:5]}"
    assert all(str(inbox) in letter["url"] for letter in ingested)
    assert len(letters) == total_bad, "nothing dead-lettered twice"
    exits = [line for line in log.read_text(errors="replace").splitlines() if '"event": "exited"' in line]
    assert exits == [], "no service stopped"
