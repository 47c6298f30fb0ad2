"""Learned state as a plain mapping whose local writes are recorded for the changelog."""

from __future__ import annotations

from typing import Any

import pytest

from services.processor.replicated import ReplicatedMap, decode_change, encode_key


def test_local_writes_are_visible_at_once_and_queued_for_the_changelog_in_order():
    state = ReplicatedMap("t-changelog")
    state["a"] = {"n": 1}
    state["a"] = {"n": 2}
    del state["a"]
    state["b"] = [1]
    assert dict(state) == {"b": [1]}
    assert state.take_writes() == [("a", {"n": 1}), ("a", {"n": 2}), ("a", None), ("b", [1])]
    assert state.take_writes() == []


def test_changes_read_from_the_changelog_are_applied_and_heard_but_not_written_back():
    heard: list[tuple[str, Any]] = []
    state = ReplicatedMap("t-changelog", on_change=lambda key, value: heard.append((key, value)))
    state.apply("x", {"t": 1.0})
    state.apply("y", {"t": 2.0})
    state.apply("x", None)
    assert dict(state) == {"y": {"t": 2.0}}
    assert heard == [("x", {"t": 1.0}), ("y", {"t": 2.0}), ("x", None)]
    assert state.take_writes() == []


def test_none_is_reserved_for_deletion():
    with pytest.raises(ValueError, match="tombstone"):
        ReplicatedMap("t-changelog")["k"] = None


def test_changelog_records_round_trip_including_keys_written_by_faust_tables():
    assert decode_change(encode_key("src:bbc"), b'{"recent": []}') == ("src:bbc", {"recent": []})
    assert decode_change(b'"a1"', None) == ("a1", None)
    assert decode_change(b"bare", b"1") == ("bare", 1)
