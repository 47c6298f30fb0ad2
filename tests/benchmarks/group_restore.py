"""Time to ready after a restart: restoring one partition of the group stage's state from its changelog
takes as long after a long stream as after a short one, once the bounds are reached.

    python -m tests.benchmarks.group_restore [--per-hour 50000] [--checkpoints 2,4,8] [--json out.json]

Needs the local stack (`newsflow stack up`). The synthetic stream of story_state.py (ids, languages,
events, copies; no NLP) goes through one partition's ``Groupers`` over a ``PartitionState``, and every
write is sent to a changelog topic of its own, made with the stage's changelog configuration (compacted,
small segments, short-lived tombstones) on the real broker. At each checkpoint (hours of stream) the
partition is restored the way a worker taking it over restores it (``restore_partition``), and printed side
by side: the changelog records the restore read, the keys restored and the seconds it took, with the
ratio of the last restore's time (and records) to the first's. The bounds are the defaults unless
``--max-articles`` and ``--max-stories`` scale them down, so that a run of minutes passes them many times
over. Forgotten entries leave tombstones, which the broker keeps for ``delete.retention.ms`` (an hour) of
wall-clock time; compressed in time, a whole run falls inside that hour, so ``--tombstone-retention-s``
scales that retention down the way the stream is scaled, to show what a restore reads in steady state.
"""

from __future__ import annotations

import sys
import time
import uuid
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from services.processor.duplicates import DuplicateSettings
from services.processor.grouping import Groupers, GroupSettings
from services.processor.replicated import CHANGELOG_CONFIG, PartitionState, encode_key, restore_partition
from services.processor.settings import ProcessorSettings
from services.processor.stories import StorySettings
from tests.benchmarks.story_state import synthetic_stream
from tests.support import measurement_parser, report

BROKER = "127.0.0.1:9092"


def _restore(topic: str) -> dict[str, Any]:
    started = time.perf_counter()
    state = restore_partition({"bootstrap_servers": BROKER}, topic, 0)
    seconds = time.perf_counter() - started
    return {"records_read": state.applied, "keys_restored": len(state), "seconds": round(seconds, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = measurement_parser(__doc__)
    defaults = ProcessorSettings.model_fields
    parser.add_argument("--per-hour", type=int, default=50_000)
    parser.add_argument("--checkpoints", default="2,4,8", help="hours of stream after which to restore")
    parser.add_argument("--max-articles", type=int, default=defaults["group_max_articles"].default)
    parser.add_argument("--max-stories", type=int, default=defaults["group_max_stories"].default)
    parser.add_argument("--settle-s", type=float, default=30.0, help="wait this long for the log cleaner")
    parser.add_argument("--tombstone-retention-s", type=float, help="delete.retention.ms of the stage's config")
    options = parser.parse_args(argv)
    checkpoints = sorted(float(hours) for hours in options.checkpoints.split(","))
    settings = GroupSettings(
        duplicates=DuplicateSettings(max_articles=options.max_articles),
        stories=StorySettings(max_stories=options.max_stories),
    )
    topic = f"bench-{uuid.uuid4().hex[:8]}-group-state-changelog"
    admin = KafkaAdminClient(bootstrap_servers=BROKER)
    config = dict(CHANGELOG_CONFIG)
    if options.tombstone_retention_s is not None:
        config["delete.retention.ms"] = str(int(options.tombstone_retention_s * 1000))
    admin.create_topics([NewTopic(topic, 1, 1, topic_configs=config)])
    producer = KafkaProducer(bootstrap_servers=BROKER, linger_ms=20, batch_size=256 * 1024)
    state = PartitionState(0)
    groupers = Groupers(state, settings)
    rows: list[dict[str, Any]] = []
    try:
        stream = synthetic_stream(int(options.per_hour * checkpoints[-1]), options.per_hour)
        judged = writes = 0
        for hours in checkpoints:
            for article in stream:
                groupers.assign(article)
                for key, value in state.take_writes():
                    producer.send(topic, key=encode_key(key), value=value, partition=0)
                    writes += 1
                judged += 1
                if judged >= options.per_hour * hours:
                    break
            producer.flush()
            time.sleep(options.settle_s)  # the broker's log cleaner compacts the closed segments meanwhile
            rows.append({"hours": hours, "articles": judged, "writes": writes, "keys_held": len(state),
                         **_restore(topic)})  # fmt: skip
            print(rows[-1], flush=True)
    finally:
        producer.close()
        admin.delete_topics([topic])
        admin.close()
    return report(
        {
            "changelog_config": config,
            "restores": rows,
            "last_to_first_restore_time": round(rows[-1]["seconds"] / max(rows[0]["seconds"], 1e-3), 2),
            "last_to_first_records_read": round(rows[-1]["records_read"] / max(rows[0]["records_read"], 1), 2),
        },
        options.json,
        label="group restore",
    )


if __name__ == "__main__":
    sys.exit(main())
