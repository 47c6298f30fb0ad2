"""Being a good guest: robots.txt honoured, one request at a time per host, a pause between them."""

from __future__ import annotations

import threading
import time
import urllib.robotparser
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from services.fetcher.http import USER_AGENT, FetchError, SafeClient

# How long a host's robots.txt is trusted before it is read again.
ROBOTS_TTL_S = 24 * 3600.0


class HostGate:
    """Serialises requests per host and keeps ``min_delay_s`` between the end of one and the next."""

    def __init__(self, min_delay_s: float = 2.0) -> None:
        self.min_delay_s = min_delay_s
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._last_done: dict[str, float] = {}

    @contextmanager
    def visit(self, url: str) -> Iterator[None]:
        host = (urlsplit(url).hostname or "").lower()
        with self._guard:
            lock = self._locks.setdefault(host, threading.Lock())
        with lock:
            wait = self._last_done.get(host, -1e9) + self.min_delay_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                yield
            finally:
                self._last_done[host] = time.monotonic()


class RobotsPolicy:
    """robots.txt per host (RFC 9309): missing (4xx) allows everything; unreachable (5xx, network errors)
    allows nothing, so :meth:`allowed` raises a transient FetchError naming why and the file is asked for
    again next time. A file that was read is trusted for a day."""

    def __init__(self, client: SafeClient, gate: HostGate, user_agent: str = USER_AGENT) -> None:
        self.client = client
        self.gate = gate
        self.agent = user_agent.split("/")[0]
        self._cache: dict[str, tuple[float, urllib.robotparser.RobotFileParser | None]] = {}

    def allowed(self, url: str) -> bool:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        cached = self._cache.get(origin)
        if cached is None or time.monotonic() - cached[0] > ROBOTS_TTL_S:
            cached = (time.monotonic(), self._read(origin))
            self._cache[origin] = cached
        rules = cached[1]
        return rules is None or rules.can_fetch(self.agent, url)

    def _read(self, origin: str) -> urllib.robotparser.RobotFileParser | None:
        """The host's rules; None when it has no robots.txt."""
        try:
            with self.gate.visit(origin):
                fetched = self.client.get(f"{origin}/robots.txt")
        except FetchError as error:
            if error.status is not None and 400 <= error.status < 500 and error.status != 429:
                return None
            raise FetchError(
                f"robots.txt of {origin} unreachable, so nothing is fetched there: {error.reason}",
                status=error.status,
                transient=True,
            ) from None
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(fetched.content.decode("utf-8", "replace").splitlines())
        return parser
