"""When to poll a source next: faster while it brings news, slower while it repeats itself, backing off
exponentially while it fails. Pure functions over a source's state."""

from __future__ import annotations

from dataclasses import dataclass, replace

from services.fetcher.sources import Source, SourceKind

# A poll where at least this share of the items is new means the source publishes faster than we look…
_MOSTLY_NEW = 0.5
# …and at most this share means we look more often than it publishes.
_MOSTLY_KNOWN = 0.1


@dataclass(frozen=True)
class PollState:
    """What the fetcher knows about a source between polls (also what `newsflow sources` shows)."""

    interval: float
    next_poll: float = 0.0
    last_poll: float | None = None
    status: str = "new"  # new | ok | not-modified | error
    http_status: int | None = None
    new_items: int = 0
    known_items: int = 0
    consecutive_errors: int = 0
    last_error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_duration_s: float = 0.0
    pending_retries: int = 0  # entries to try again, so the next poll reads the feed in full
    problem: str | None = None  # the last poll worked, but the source is not clean (e.g. a malformed feed)
    # Totals since the source was first polled.
    polls: int = 0
    not_modified_polls: int = 0
    failed_polls: int = 0
    published: int = 0
    duplicates: int = 0
    failed_entries: int = 0


def initial_state(source: Source) -> PollState:
    return PollState(interval=source.interval)


def after_success(
    state: PollState, source: Source, now: float, *, new: int, known: int, failed: int = 0, **changes: object
) -> PollState:
    """The next poll after a good one: the interval halves when most items were new, grows by half
    when almost none were, and stays otherwise; always within the source's bounds."""
    total = new + known
    interval = state.interval
    if source.kind is SourceKind.PATH:
        interval = source.interval  # local files cost nothing to look at: no reason to look less often
    elif total and new / total >= _MOSTLY_NEW:
        interval /= 2
    elif not total or new / total <= _MOSTLY_KNOWN:
        interval *= 1.5
    interval = min(max(interval, source.min_interval), source.max_interval)
    not_modified = changes.get("http_status") == 304
    return replace(
        state,
        interval=interval,
        next_poll=now + interval,
        last_poll=now,
        status="not-modified" if not_modified else "ok",
        new_items=new,
        known_items=known,
        consecutive_errors=0,
        last_error=None,
        polls=state.polls + 1,
        not_modified_polls=state.not_modified_polls + not_modified,
        published=state.published + new,
        duplicates=state.duplicates + known,
        failed_entries=state.failed_entries + failed,
        **changes,  # type: ignore[arg-type]
    )


def after_failure(
    state: PollState, source: Source, now: float, reason: str, http_status: int | None = None
) -> PollState:
    """Exponential backoff from the current interval, capped at the source's maximum."""
    errors = state.consecutive_errors + 1
    delay = min(state.interval * 2**errors, source.max_interval)
    return replace(
        state,
        next_poll=now + delay,
        last_poll=now,
        status="error",
        http_status=http_status,
        consecutive_errors=errors,
        last_error=reason,
        new_items=0,
        known_items=0,
        polls=state.polls + 1,
        failed_polls=state.failed_polls + 1,
    )


def due(states: dict[str, PollState], now: float) -> list[str]:
    """Sources whose next poll has come, most overdue first."""
    return sorted((name for name, state in states.items() if state.next_poll <= now), key=lambda n: states[n].next_poll)
