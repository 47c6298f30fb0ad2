"""A mention: one span the model (or a table pattern) found, where it stands and how much its place counts."""

from __future__ import annotations

from dataclasses import dataclass

HEADLINE_WEIGHT, LEAD_WEIGHT, RELATED_WEIGHT = 3.0, 2.0, 0.25


@dataclass(frozen=True)
class Mention:
    """One span the model found, where it was, how much its place counts."""

    text: str
    label: str
    start: int
    weight: float = 1.0
