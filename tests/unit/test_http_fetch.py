"""The fetcher's HTTP client against a real server on 127.0.0.1: conditional GET, redirects, limits, refusals."""

from __future__ import annotations

import gzip
import ipaddress
import threading
import time
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise

import pytest

from schemas import RawArticle
from services.fetcher.feeds import parse_feed
from services.fetcher.http import AddressPolicy, FetchError, SafeClient, Validators
from services.fetcher.inputs import InputError, read_url
from tests.eval.extraction import DEFAULT_DATA

FEED_FILE = DEFAULT_DATA / "feeds" / "real-world" / "cnn_hp-hero__rss2.xml"
FEED = (
    FEED_FILE.read_bytes()
    if FEED_FILE.exists()
    else b'<rss version="2.0"><channel><item><link>https://e.org/1</link></item></channel></rss>'
)
BOMB = gzip.compress(b"<rss>" + b" " * 50_000_000)
STACKED_BOMB = gzip.compress(BOMB)  # gzip twice: a few hundred bytes on the wire
RAW_DEFLATE = zlib.compressobj(wbits=-zlib.MAX_WBITS)
RAW_DEFLATED_FEED = RAW_DEFLATE.compress(FEED) + RAW_DEFLATE.flush()


class _Handler(BaseHTTPRequestHandler):
    robots: bytes | None = None  # served at /robots.txt when set

    def log_message(self, *_args: object) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/robots.txt" and self.robots is not None:
            self._send(200, self.robots, {"Content-Type": "text/plain"})
        elif self.path == "/host":
            self._send(200, (self.headers.get("Host") or "").encode(), {"Content-Type": "text/plain"})
        elif self.path == "/feed.xml":
            if self.headers.get("If-None-Match") == '"v1"':
                self._send(304, headers={"ETag": '"v1"'})
            else:
                self._send(200, FEED, {"Content-Type": "application/rss+xml", "ETag": '"v1"'})
        elif self.path == "/moved":
            self._send(301, headers={"Location": "/feed.xml"})
        elif self.path == "/to-private":
            self._send(302, headers={"Location": "http://10.11.12.13/internal"})
        elif self.path == "/loop":
            self._send(302, headers={"Location": "/loop"})
        elif self.path == "/announced-huge":
            self._send(200, b"", {"Content-Type": "application/rss+xml", "Content-Length": "900000000"})
        elif self.path == "/bomb":
            self._send(200, BOMB, {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"})
        elif self.path == "/stacked-bomb":
            headers = {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip, gzip"}
            self._send(200, STACKED_BOMB, headers)
        elif self.path == "/raw-deflate":
            self._send(200, RAW_DEFLATED_FEED, {"Content-Type": "application/rss+xml", "Content-Encoding": "deflate"})
        elif self.path == "/cut-gzip":
            self._send(
                200, gzip.compress(FEED)[:-40], {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}
            )
        elif self.path == "/trickle":  # a byte every 0.3 s: never idle long enough for the read timeout
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "100")
            self.end_headers()
            try:
                for _ in range(100):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.3)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
                return
        elif self.path == "/slow-headers":  # the status line, then a header byte every 0.3 s
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Padding: ")
                for _ in range(100):
                    self.wfile.write(b"a")
                    self.wfile.flush()
                    time.sleep(0.3)
            except (BrokenPipeError, ConnectionResetError):
                return
        elif self.path == "/foreign-canonical":
            page = b'<html><head><link rel="canonical" href="https://victim.example/story"></head><p>Talks</p></html>'
            self._send(200, page, {"Content-Type": "text/html; charset=utf-8"})
        elif self.path == "/slow":
            time.sleep(2)
            self._send(200, FEED, {"Content-Type": "application/rss+xml"})
        elif self.path == "/image":
            self._send(200, b"\x89PNG", {"Content-Type": "image/png"})
        elif self.path == "/article?utm_source=x":
            page = b'<html><head><link rel="canonical" href="/article/canonical?fbclid=1"></head><p>Talks</p></html>'
            self._send(200, page, {"Content-Type": "text/html; charset=utf-8"})
        elif self.path == "/broken":
            self._send(500, b"oops", {"Content-Type": "text/plain"})
        else:
            self._send(404, b"not here", {"Content-Type": "text/plain"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def client() -> Iterator[SafeClient]:
    # Tests allow loopback explicitly; production allows no private address.
    safe = SafeClient(AddressPolicy(["127.0.0.0/8"]), max_bytes=5_000_000, read_timeout_s=1.0)
    yield safe
    safe.close()


FEED_TYPES = ("xml", "rss", "atom")


def test_a_feed_is_fetched_and_an_unchanged_one_costs_a_304(server, client):
    first = client.get(f"{server}/feed.xml", accept=FEED_TYPES)
    assert first.status == 200 and first.validators == Validators(etag='"v1"')
    assert len(parse_feed(first.content, base_url=first.url).entries) > 0
    again = client.get(f"{server}/feed.xml", accept=FEED_TYPES, validators=first.validators)
    assert again.not_modified and again.status == 304 and again.content == b""


def test_redirects_are_followed_and_the_final_url_reported(server, client):
    fetched = client.get(f"{server}/moved", accept=FEED_TYPES)
    assert fetched.url == f"{server}/feed.xml"


def test_a_redirect_to_a_private_address_is_refused_before_connecting(server, client):
    with pytest.raises(
        FetchError, match=r"refused http://10\.11\.12\.13/internal: .* non-public address 10\.11\.12\.13"
    ):
        client.get(f"{server}/to-private")


def test_loopback_is_refused_unless_allowed():
    default = SafeClient(AddressPolicy())
    with pytest.raises(FetchError, match=r"non-public address 127\.0\.0\.1"):
        default.get("http://127.0.0.1:9/feed.xml")
    with pytest.raises(FetchError, match=r"non-public address 169\.254\.169\.254"):
        default.get("http://169.254.169.254/latest/meta-data/")  # cloud metadata service
    with pytest.raises(FetchError, match="only http and https"):
        default.get("file:///etc/passwd")
    default.close()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/loop", "more than 5 redirects"),
        ("/announced-huge", "900000000 bytes announced"),
        ("/bomb", "body over the 5000000-byte limit"),
        ("/stacked-bomb", "content encoding 'gzip, gzip' refused"),
        ("/cut-gzip", "stream is cut short"),
        ("/slow", "timed out"),
        ("/image", "content type 'image/png'"),
        ("/broken", "HTTP 500"),
        ("/missing", "HTTP 404"),
    ],
)
def test_bad_responses_are_one_line_errors(server, client, path, reason):
    with pytest.raises(FetchError, match=reason) as error:
        client.get(f"{server}{path}", accept=FEED_TYPES)
    assert "\n" not in error.value.reason


def test_requests_to_one_host_are_spaced_and_never_overlap():
    from services.fetcher.politeness import HostGate

    gate = HostGate(min_delay_s=0.2)
    spans: list[tuple[float, float]] = []

    def visit() -> None:
        with gate.visit("https://example.org/a"):
            start = time.monotonic()
            time.sleep(0.05)
            spans.append((start, time.monotonic()))

    threads = [threading.Thread(target=visit) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    spans.sort()
    for (_, end), (start, _) in pairwise(spans):
        assert start - end >= 0.2 - 0.01  # after the previous one ended, plus the delay


def test_robots_txt_is_honoured_and_a_missing_one_allows_everything(server, client):
    from services.fetcher.politeness import HostGate, RobotsPolicy

    robots = RobotsPolicy(client, HostGate(min_delay_s=0))
    assert robots.allowed(f"{server}/feed.xml")  # this server has no robots.txt (404)
    _Handler.robots = b"User-agent: *\nDisallow: /private/\n"
    try:
        strict = RobotsPolicy(client, HostGate(min_delay_s=0))
        assert not strict.allowed(f"{server}/private/page.html")
        assert strict.allowed(f"{server}/public/page.html")
    finally:
        _Handler.robots = None


def test_an_unreachable_robots_txt_forbids_fetching_until_it_can_be_read(server, client):
    from services.fetcher.politeness import HostGate, RobotsPolicy

    robots = RobotsPolicy(client, HostGate(min_delay_s=0))
    with pytest.raises(FetchError, match=r"robots.txt of http://10\.1\.2\.3 unreachable.*non-public") as error:
        robots.allowed("http://10.1.2.3/feed.xml")
    assert error.value.transient, "asked for again at the next poll, not trusted for a day"
    assert robots.allowed(f"{server}/feed.xml")


def test_the_connection_goes_to_the_address_that_was_checked(server):
    """A name is resolved once: the request is sent to that checked address with the name as Host, so a
    DNS answer changing after the check (rebinding) cannot redirect it."""
    port = server.rsplit(":", 1)[1]
    answers = iter([["127.0.0.1"], ["10.0.0.9"]])  # a second lookup would now say: private network
    policy = AddressPolicy(["127.0.0.0/8"], resolver=lambda _host, _port: next(answers))
    pinned = SafeClient(policy)
    fetched = pinned.get(f"http://news.example.test:{port}/host")
    assert fetched.content == f"news.example.test:{port}".encode()
    assert fetched.url == f"http://news.example.test:{port}/host"
    pinned.close()


def test_a_body_trickling_in_is_cut_off_at_the_deadline_and_raw_deflate_is_read(server):
    safe = SafeClient(AddressPolicy(["127.0.0.0/8"]), read_timeout_s=1.0, total_timeout_s=1.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match="no whole answer within 2 s") as error:  # 1.5 s, shown rounded
        safe.get(f"{server}/trickle", accept=FEED_TYPES)
    assert error.value.transient and time.monotonic() - started < 5
    assert safe.get(f"{server}/raw-deflate", accept=FEED_TYPES).content == FEED
    safe.close()


def test_headers_trickling_in_are_cut_off_at_the_deadline_too(server):
    safe = SafeClient(AddressPolicy(["127.0.0.0/8"]), read_timeout_s=1.0, total_timeout_s=1.5)
    started = time.monotonic()
    with pytest.raises(FetchError, match="no whole answer within 2 s") as error:
        safe.get(f"{server}/slow-headers", accept=FEED_TYPES)
    assert error.value.transient and time.monotonic() - started < 5
    assert safe.get(f"{server}/raw-deflate", accept=FEED_TYPES).content == FEED  # the client is still usable
    safe.close()


@pytest.mark.parametrize(
    ("address", "carried"),
    [("64:ff9b::a9fe:a9fe", "169.254.169.254"), ("2002:a9fe:a9fe::", "169.254.169.254"), ("::7f00:1", "127.0.0.1"),
     ("::ffff:10.0.0.1", "10.0.0.1"), ("64:ff9b:1::a00:1", "10.0.0.1")],
)  # fmt: skip
def test_an_ipv6_address_carrying_a_private_ipv4_one_is_refused(address, carried):
    """NAT64, 6to4 and the old compatible form reach ``carried`` though the IPv6 address looks public."""
    policy = AddressPolicy(resolver=lambda _host, _port: [address])
    with pytest.raises(FetchError, match="non-public address"):
        policy.check("http://feeds.example/rss")
    public = AddressPolicy(resolver=lambda _host, _port: ["2002:5db8:d822::1"])  # 6to4 of a public address
    assert ipaddress.ip_address(public.check("http://feeds.example/rss")).version == 6


def test_a_page_naming_another_site_as_its_canonical_address_keeps_its_own(server, client):
    article = read_url(f"{server}/foreign-canonical", client)
    assert isinstance(article, RawArticle) and article.canonical_url == f"{server}/foreign-canonical"


def test_ingesting_a_url_keeps_the_raw_page_under_its_canonical_url(server, client):
    article = read_url(f"{server}/article?utm_source=x", client, source="desk")
    assert isinstance(article, RawArticle) and article.html and "Talks" in article.html
    assert article.canonical_url == f"{server}/article/canonical" and article.source == "desk"


def test_ingesting_a_url_obeys_the_same_address_policy_as_the_fetcher(server):
    refused = read_url(f"{server}/article?utm_source=x")  # the default policy: public addresses only
    assert isinstance(refused, InputError) and refused.stage == "fetch" and "non-public address" in refused.reason
