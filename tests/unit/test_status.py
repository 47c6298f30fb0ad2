"""`newsflow status` and the live view: rates from two snapshots, and problems in plain words."""

from __future__ import annotations

from services.operations.liveview import progress_event
from services.operations.status import (
    LetterSummary,
    PipelineSettings,
    PipelineStatus,
    SourceHealth,
    StageStatus,
    TopicStatus,
    diagnose,
    throughput,
)
from services.operations.supervisor import Supervisor

SETTINGS = PipelineSettings()


def _snapshot(at: float, *, raw: int, clean: int, enriched: int, consumed: tuple[int, int, int], documents: int):
    topics = [
        TopicStatus(name=SETTINGS.topic_raw, partitions=4, end_offset=raw, messages=raw),
        TopicStatus(name=SETTINGS.topic_clean, partitions=4, end_offset=clean, messages=clean),
        TopicStatus(name=SETTINGS.topic_enriched, partitions=4, end_offset=enriched, messages=enriched),
    ]
    stages = [
        StageStatus(
            stage=name,
            service="processor",
            input_topic=topic,
            group="g",
            group_state="Stable",
            consumed=done,
            lag=end - done,
        )
        for name, topic, done, end in zip(
            ("clean", "enrich", "index"),
            (SETTINGS.topic_raw, SETTINGS.topic_clean, SETTINGS.topic_enriched),
            consumed,
            (raw, clean, enriched),
            strict=True,
        )
    ]
    return PipelineStatus(
        taken_at=at, kafka="ok", elasticsearch="green", topics=topics, stages=stages, documents=documents
    )


def test_rates_per_stage_come_from_offsets_and_documents_between_two_snapshots():
    before = _snapshot(100.0, raw=100, clean=90, enriched=80, consumed=(90, 80, 70), documents=70)
    after = _snapshot(110.0, raw=200, clean=180, enriched=150, consumed=(180, 150, 140), documents=140)
    rates = throughput(before, after, SETTINGS)
    assert rates["fetch"]["out"] == 10.0
    assert rates["clean"] == {"in": 9.0, "out": 9.0}
    assert rates["enrich"] == {"in": 7.0, "out": 7.0}
    assert rates["index"] == {"in": 7.0, "out": 7.0}
    event = progress_event(after, rates, Supervisor({"indexer": 1}))
    assert event["stages"]["index"] == {"in_per_s": 7.0, "out_per_s": 7.0, "lag": 10}
    assert event["services"]["indexer"]["state"] == "stopped"


def test_a_healthy_pipeline_has_no_problems():
    assert diagnose(_snapshot(0, raw=5, clean=5, enriched=5, consumed=(5, 5, 5), documents=5)) == []


def test_problems_say_what_is_wrong_and_what_to_do():
    status = _snapshot(0, raw=50, clean=5, enriched=5, consumed=(5, 5, 5), documents=5)
    status.stages[0] = status.stages[0].model_copy(update={"group_state": "Empty"})
    status.elasticsearch = "unreachable at http://127.0.0.1:9200: ConnectionError"
    status.dead_letters = 3
    status.last_errors = [
        LetterSummary(failed_at="2026-11-23T10:00:00+00:00", stage="clean", error_class="InvalidMessage", reason="bad")
    ]
    status.sources = [SourceHealth(name="wire", status="error", last_error="HTTP 500")]
    problems = diagnose(status)
    assert problems[0].startswith("Elasticsearch unreachable") and "newsflow stack up" in problems[0]
    assert any("45 messages wait in news.raw but no processor is consuming" in p for p in problems)
    assert any(p.startswith("3 dead letters") and "InvalidMessage" in p for p in problems)
    assert "source wire failing: HTTP 500" in problems
