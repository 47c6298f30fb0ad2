"""The local news site the fetcher tests use can tell one-at-a-time requests from overlapping ones."""

from __future__ import annotations

import threading
import urllib.request

from tests.newssite import NewsSite


def _get(url: str) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()


def test_overlapping_requests_to_one_host_are_seen_and_sequential_ones_are_not():
    site = NewsSite(think_s=1.0).start()  # a wide window: a busy machine may start the threads apart
    try:
        _get(f"{site.base}/robots.txt")
        _get(f"{site.base}/robots.txt")
        assert site.most_concurrent(f"127.0.0.1:{site.port}") == 1
        threads = [threading.Thread(target=_get, args=(f"{site.base}/robots.txt",)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert site.most_concurrent(f"127.0.0.1:{site.port}") == 2
    finally:
        site.stop()
