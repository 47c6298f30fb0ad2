"""Sources files are validated with clear errors; polling adapts to how much a source publishes."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.fetcher.schedule import after_failure, after_success, due, initial_state
from services.fetcher.sources import Source, SourceKind, SourcesError, load_sources
from tests.conftest import REPO_ROOT


def test_the_sample_sources_file_loads():
    sources = load_sources(REPO_ROOT / "deploy" / "sources.yaml")
    assert {source.kind for source in sources} == {SourceKind.PATH, SourceKind.FEED, SourceKind.SITEMAP}
    assert all(source.max_interval == 21600 for source in sources)
    assert [s.name for s in sources if not s.enabled] == ["reuters-sitemap", "korea-times"]
    (samples,) = [s for s in sources if s.kind is SourceKind.PATH]
    assert samples.path == REPO_ROOT / "deploy" / "samples", "paths are relative to the sources file"


def test_toml_works_too(tmp_path: Path):
    path = tmp_path / "sources.toml"
    path.write_text('[[sources]]\nname = "wire"\nkind = "feed"\nurl = "https://example.org/rss"\n')
    (source,) = load_sources(path)
    assert source.url == "https://example.org/rss" and source.interval == 300


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sources: [{name: a, kind: feed}]", "source a: invalid Source: .*needs an http"),
        ("sources: [{name: a, kind: path}]", "needs 'path'"),
        ("sources: [{name: a, kind: feed, url: 'https://e.org', colour: red}]", "colour: Extra inputs"),
        ("sources: [{name: a, kind: feed, url: 'https://e.org', interval: 5}]", "between min_interval"),
        ("sources: [{name: a, kind: page, url: 'https://e.org/1'}, {name: a, kind: page, url: 'https://e.org/2'}]",
         "must be unique: a"),
        ("just text", "expected a 'sources' list"),
        ("sources: [unclosed", "not valid YAML"),
    ],
)  # fmt: skip
def test_a_bad_sources_file_names_the_problem(tmp_path: Path, text: str, message: str):
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    with pytest.raises(SourcesError, match=message):
        load_sources(path)


FEED = Source(name="wire", kind=SourceKind.FEED, url="https://example.org/rss", interval=600, min_interval=60,
              max_interval=3600)  # fmt: skip


def test_a_source_that_brings_mostly_news_is_polled_more_often():
    state = after_success(initial_state(FEED), FEED, now=1000.0, new=8, known=2)
    assert state.interval == 300 and state.next_poll == 1300.0 and state.status == "ok"


def test_a_source_that_repeats_itself_is_polled_less_often_up_to_its_maximum():
    state = initial_state(FEED)
    for _ in range(10):
        state = after_success(state, FEED, now=0.0, new=0, known=20)
    assert state.interval == 3600


def test_an_unchanged_feed_answered_with_304_counts_as_nothing_new():
    state = after_success(initial_state(FEED), FEED, now=0.0, new=0, known=0, http_status=304, etag='"v2"')
    assert (state.status, state.etag, state.interval) == ("not-modified", '"v2"', 900)


def test_failures_back_off_exponentially_and_a_success_resets():
    state = initial_state(FEED)
    delays = []
    for attempt in range(4):
        state = after_failure(state, FEED, now=0.0, reason=f"timed out #{attempt}")
        delays.append(state.next_poll)
    assert delays == [1200, 2400, 3600, 3600]
    assert (state.status, state.consecutive_errors, state.last_error) == ("error", 4, "timed out #3")
    state = after_success(state, FEED, now=0.0, new=1, known=1)
    assert state.consecutive_errors == 0 and state.last_error is None


def test_due_sources_come_most_overdue_first():
    states = {
        "a": initial_state(FEED),
        "b": after_failure(initial_state(FEED), FEED, now=0.0, reason="x"),
        "c": after_success(initial_state(FEED), FEED, now=-5000.0, new=1, known=9),
    }
    assert due(states, now=100.0) == ["c", "a"]
