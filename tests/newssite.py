"""A small news web on 127.0.0.1 for the fetcher's tests: real feeds and pages, and real misbehaviour.

It serves the real CNN and Korea Times RSS feeds and the news sitemap from ``../shared/data/feeds`` (their
article links pointed at this server instead of the publishers' sites), real article pages from
``../shared/data/news-pages`` for those links, and the things real sites do to a fetcher: ETags and
304s, redirects (one to the cloud metadata address), slow answers, 404 and 500, a malformed feed, an
XML entity bomb, oversize bodies and a robots.txt with a disallowed path. Every request is logged.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FEEDS = DATA / "feeds"
PAGES = sorted((DATA / "news-pages" / "html").glob("*.html*"))

# The published sites whose links are repointed here, by the path prefix that stands in for each.
REAL_FEEDS = {
    "cnn": (FEEDS / "real-world" / "cnn_hp-hero__rss2.xml", rb"https?://www\.cnn\.com"),
    "koreatimes": (FEEDS / "real-world" / "koreatimes_whole-news__rss2.xml", rb"https?://www\.koreatimes\.co\.kr"),
}
NEWS_SITEMAP = (FEEDS / "sitemaps" / "sitemap-news.xml", rb"http://www\.example\.com")
_CANONICAL = re.compile(rb"<link\b[^>]*\bcanonical\b[^>]*>|<meta\b[^>]*\bog:url\b[^>]*>", re.I)
METADATA_ADDRESS = "http://169.254.169.254/latest/meta-data/"
ROBOTS = b"User-agent: *\nDisallow: /private/\n"
WIRE_DATE = "Mon, 02 Nov 2026 09:00:00 GMT"


@dataclass(frozen=True)
class Request:
    host: str
    path: str
    status: int
    user_agent: str
    conditional: bool
    started: float
    answered: float  # when the status line went out: the client waits at least this long


def hostile_feed(base: str) -> bytes:
    """A feed whose items lead to what a hostile site serves (see :meth:`NewsSite.route`)."""
    return _feed(base, "Hostile", [
        ("Stacked", f"{base}/hostile/stacked", ""),  # Content-Encoding: gzip, gzip (a decompression bomb's form)
        ("Poser", f"{base}/hostile/poser", ""),  # a page that names another site's article as its canonical
        ("Tunnel", f"{base}/hostile/tunnel", ""),  # redirects to an IPv6 address carrying the metadata address
        ("Trickle", f"{base}/hostile/trickle", ""),  # a body that trickles one byte at a time, for ever
    ])  # fmt: skip


def wire_feed(base: str) -> bytes:
    """A small RSS feed whose items each lead somewhere instructive."""
    items = [
        ("Story one moved", f"{base}/wire/moved", ""),  # 301 to /wire/story-1
        ("Story two", f"{base}/wire/story-2?utm_source=rss&utm_medium=feed#comments", ""),  # page names its canonical
        ("Metadata", f"{base}/wire/metadata", ""),  # 302 to the cloud metadata address: refused
        ("Private but summarised", f"{base}/private/memo", "<p>The memo, <b>in short</b>: all is well.</p>"),
        ("Gone", f"{base}/wire/gone", ""),  # 404
        ("Flaky", f"{base}/wire/flaky", ""),  # always 500: tried again, then dead-lettered
        ("Huge", f"{base}/wire/huge", ""),  # over the size cap
    ]
    return _feed(base, "Wire", items)


def _feed(base: str, title: str, items: list[tuple[str, str, str]]) -> bytes:
    body = "".join(
        f"<item><title>{title}</title><link>{link.replace('&', '&amp;')}</link>"
        f"<description>{summary.replace('<', '&lt;').replace('>', '&gt;')}</description>"
        f"<pubDate>{WIRE_DATE}</pubDate></item>"
        for title, link, summary in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{base}/</link>{body}</channel></rss>"
    ).encode()


def entity_bomb() -> bytes:
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    return f'<?xml version="1.0"?><!DOCTYPE rss [{lol}]><rss version="2.0"><channel>&l9;</channel></rss>'.encode()


class NewsSite:
    """Start with :meth:`start`, stop with :meth:`stop`; ``base`` is its URL on 127.0.0.1."""

    def __init__(self, slow_s: float = 5.0, think_s: float = 0.005) -> None:
        self.slow_s = slow_s
        self.think_s = think_s
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._page_cache: dict[int, bytes] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.other_base = f"http://localhost:{self.port}"  # a second host name for the same server
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> NewsSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- content ----------------------------------------------------------------------------------

    def real_feed(self, name: str) -> bytes:
        path, site = REAL_FEEDS[name]
        return re.sub(site, f"{self.base}/{name}".encode(), path.read_bytes())

    def news_sitemap(self) -> bytes:
        path, site = NEWS_SITEMAP
        return re.sub(site, f"{self.base}/sitemaps".encode(), path.read_bytes())

    def sitemap_index(self) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{self.base}/sitemap-news.xml</loc></sitemap></sitemapindex>"
        ).encode()

    def page(self, path: str) -> bytes:
        """A real news page for any article path, its own canonical links removed (so the link is it)."""
        index = int(hashlib.sha256(path.encode()).hexdigest(), 16) % len(PAGES)
        if index not in self._page_cache:
            raw = PAGES[index].read_bytes()
            self._page_cache[index] = _CANONICAL.sub(b"", gzip.decompress(raw) if PAGES[index].suffix == ".gz" else raw)
        return self._page_cache[index]

    def route(self, path: str) -> tuple[int, dict[str, str], bytes | None]:
        """(status, headers, body) for a path; a body of None means: stall, then send nothing useful."""
        html = {"Content-Type": "text/html"}
        xml = {"Content-Type": "application/rss+xml; charset=utf-8"}
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, ROBOTS
        name = path.strip("/").split("/")[0]
        if path.endswith("/rss.xml") and name in REAL_FEEDS:
            return 200, xml, self.real_feed(name)
        if path == "/wire/rss.xml":
            return 200, xml, wire_feed(self.base)
        if path == "/sitemap-index.xml":
            return 200, {"Content-Type": "application/xml"}, self.sitemap_index()
        if path == "/sitemap-news.xml":
            return 200, {"Content-Type": "application/xml"}, self.news_sitemap()
        if path == "/wire/moved":
            return 301, {"Location": "/wire/story-1"}, b""
        if path == "/wire/metadata":
            return 302, {"Location": METADATA_ADDRESS}, b""
        if path in {"/wire/gone", "/missing.xml"}:
            return 404, html, b"<h1>Not found</h1>"
        if path in {"/wire/flaky", "/broken/rss.xml"}:
            return 500, html, b"<h1>Internal error</h1>"
        if path == "/wire/story-2":
            canonical = f'<link rel="canonical" href="{self.base}/wire/story-2-canonical?utm_medium=social">'
            return 200, html, self.page(path).replace(b"</head>", canonical.encode() + b"</head>", 1)
        if path in {"/wire/huge", "/oversize.xml"}:
            return 200, xml if path.endswith(".xml") else html, b"<html><body>" + b"<p>padding</p>" * 300_000
        if path == "/malformed.xml":
            return 200, xml, b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>cut off <link'
        if path == "/bomb.xml":
            return 200, xml, entity_bomb()
        if path == "/slow/rss.xml":
            return 200, xml, None
        if path == "/hostile/rss.xml":
            return 200, xml, hostile_feed(self.other_base)
        if path == "/hostile/stacked":
            return 200, {**html, "Content-Encoding": "gzip, gzip"}, gzip.compress(gzip.compress(b"\0" * 10_000_000))
        if path == "/hostile/poser":
            poser = b'<link rel="canonical" href="https://victim.example/news/exclusive"></head>'
            return 200, html, self.page(path).replace(b"</head>", poser, 1)
        if path == "/hostile/tunnel":
            return 302, {"Location": "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/"}, b""
        if path == "/hostile/trickle":
            return 200, html, None
        if name in {"cnn", "koreatimes", "sitemaps", "wire", "private", "pages", "hostile"}:
            return 200, html, self.page(path)
        return 404, html, b"<h1>Not found</h1>"

    # -- serving ----------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.started = self.answered = time.monotonic()
                self.recorded = False
                status = 0  # the client hung up before the whole answer was sent
                try:
                    status = self._answer()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    if not self.recorded:
                        self._record(status)

            def _record(self, status: int) -> None:
                """Log the request before its answer goes out: a client that has the answer finds it logged."""
                self.recorded = True
                with site._lock:
                    site.requests.append(
                        Request(
                            host=self.headers.get("Host", ""),
                            path=urlsplit(self.path).path,
                            status=status,
                            user_agent=self.headers.get("User-Agent", ""),
                            conditional="If-None-Match" in self.headers or "If-Modified-Since" in self.headers,
                            started=self.started,
                            answered=self.answered,
                        )
                    )

            def _answer(self) -> int:
                status, headers, body = site.route(urlsplit(self.path).path)
                time.sleep(site.think_s)  # a real server takes a moment; it makes overlapping requests visible
                self.answered = time.monotonic()
                if urlsplit(self.path).path == "/hostile/trickle":  # one byte now and then, never the end
                    self._record(200)
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", "1000000")
                    self.end_headers()
                    for _ in range(600):
                        self.wfile.write(b"<")
                        self.wfile.flush()
                        time.sleep(0.5)
                    return 200
                if body is None:  # the slow site: headers, then silence longer than any read timeout
                    self._record(200)
                    self.send_response(200)
                    self.send_header("Content-Type", "application/rss+xml")
                    self.send_header("Content-Length", "100")
                    self.end_headers()
                    self.wfile.flush()
                    time.sleep(site.slow_s)
                    return 200
                etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
                if status == 200 and self.headers.get("If-None-Match") == etag:
                    status, body = 304, b""
                self._record(status)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if status in {200, 304}:
                    self.send_header("ETag", etag)
                    self.send_header("Last-Modified", formatdate(0, usegmt=True))
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return status

        return Handler

    # -- what happened ----------------------------------------------------------------------------

    def log(self) -> list[Request]:
        with self._lock:
            return list(self.requests)

    def most_concurrent(self, host: str) -> int:
        """The most requests to ``host`` waiting for their answer at one moment (from arrival to the status
        line: a client that sends one request at a time cannot send the next before it has that)."""
        events = sorted(
            (moment, step)
            for request in self.log()
            if request.host == host
            for moment, step in ((request.started, 1), (request.answered, -1))
        )
        most = current = 0
        for _, step in events:  # an end sorts before a start at the same moment
            current += step
            most = max(most, current)
        return most
