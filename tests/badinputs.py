"""A seeded fuzzer: bad input of every kind a news pipeline meets, reproducible run after run.

Every item is certain to be refused (the tests count one dead letter per item), unlike hypothesis's cases,
some of which happen to be valid. Kinds: binary data, undecodable and mixed encodings, empty documents,
invalid JSON and JSON that is not an article, schema violations, broken and hostile feeds (entity
expansion), HTML that is not a page.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEED = 20261123


def _binary(rng: random.Random) -> bytes:
    # A NUL byte in the first kilobyte makes it binary for every reader.
    return bytes(rng.randrange(256) for _ in range(rng.randrange(8, 600))) + b"\x00"


def _undecodable(rng: random.Random) -> bytes:
    # Latin-1 accents and lone continuation bytes: not UTF-8, so no message (messages are UTF-8 JSON). As a
    # file it would be read, as Windows-1252 (inputs.py), so it is not among the bad documents.
    words = ["caf\xe9", "na\xefve", "\xe0 la", "r\xe9sum\xe9", "\x80\x81", "\xff"]
    return " ".join(rng.choice(words) for _ in range(rng.randrange(3, 40))).encode("latin-1") + b"\xc3"


def _invalid_json(rng: random.Random) -> bytes:
    return rng.choice([b'{"url": "https://wire.example/a", "text": ', b"{'single': 'quotes'}", b"[1, 2,", b"{]"])


def _not_an_object(rng: random.Random) -> bytes:
    return json.dumps(rng.choice([[1, 2, 3], "a string", 42, None, True, [{"url": "https://wire.example/x"}]])).encode()


def _schema_violation(rng: random.Random) -> bytes:
    article: dict[str, object] = {"url": "https://wire.example/story", "text": "A few words of a story."}
    broken = rng.choice(["no url", "bad url", "no body", "text type", "date", "script url", "huge title"])
    if broken == "no url":
        del article["url"]
    elif broken == "bad url":
        article["url"] = rng.choice(["not a url", "", "//no-scheme", "ftp://files.example/x"])
    elif broken == "no body":
        del article["text"]
    elif broken == "text type":
        article["text"] = rng.choice([42, ["list"], {"dict": 1}])
    elif broken == "date":
        article["published_at"] = rng.choice(["yesterday-ish", "2026-13-45", "32/01/2026"])
    elif broken == "script url":
        article["url"] = "javascript:alert(1)"
    else:
        article["title"] = "x" * 100_000
    return json.dumps(article).encode()


def bad_messages(count: int, rng: random.Random | None = None) -> list[bytes]:
    """Messages no stage can accept, for news.raw, news.clean or news.enriched."""
    rng = rng or random.Random(SEED)
    kinds: list[Callable[[random.Random], bytes]] = [
        _binary,
        _undecodable,
        _invalid_json,
        _not_an_object,
        _schema_violation,
        lambda r: b"",
        lambda r: b"   \n\t ",
    ]
    return [kinds[n % len(kinds)](rng) for n in range(count)]


def bad_jsonl_lines(count: int, rng: random.Random | None = None) -> list[bytes]:
    """JSONL lines that cannot become articles (blank lines are skipped by readers, so none here)."""
    rng = rng or random.Random(SEED + 1)
    kinds: list[Callable[[random.Random], bytes]] = [_invalid_json, _not_an_object, _schema_violation]
    return [kinds[n % len(kinds)](rng).replace(b"\n", b" ") for n in range(count)]


def bad_documents(count: int, rng: random.Random | None = None) -> list[tuple[str, bytes]]:
    """Whole files that cannot become articles: (suffix, content)."""
    rng = rng or random.Random(SEED + 2)
    makers: list[tuple[str, Callable[[random.Random], bytes]]] = [
        (".txt", _binary),
        (".txt", lambda r: b" \n\t\r\n" * r.randrange(1, 50)),  # nothing but white space
        (".txt", lambda r: b""),
        (".html", _binary),
        (".html", lambda r: b""),
        (".jsonl", _binary),
    ]
    return [(suffix, make(rng)) for suffix, make in (makers[n % len(makers)] for n in range(count))]


def entity_bomb(depth: int) -> bytes:
    entities = '<!ENTITY a0 "lol">' + "".join(f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, depth))
    body = f"<rss><channel><title>&a{depth - 1};</title></channel></rss>"
    return f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>{body}'.encode()


def bad_feeds(count: int, rng: random.Random | None = None) -> list[bytes]:
    """Feeds that are not readable: cut, hostile, binary, or a web page where a feed should be."""
    rng = rng or random.Random(SEED + 3)
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        "<item><title>One</title><link>https://wire.example/1</link></item></channel></rss>"
    )
    kinds: list[Callable[[random.Random], bytes]] = [
        lambda r: feed.encode()[: r.randrange(10, 60)],  # cut before the first item
        lambda r: entity_bomb(r.randrange(3, 9)),
        _binary,
        lambda r: b"<html><body><p>Page not found</p></body></html>",
        lambda r: b"",
        lambda r: b'<?xml version="1.0"?><rss version="2.0"><channel><title>No items',
    ]
    return [kinds[n % len(kinds)](rng) for n in range(count)]


class StaticSite:
    """Serves fixed bodies on 127.0.0.1 (``path → bytes``), as a badly behaved publisher would."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        site_bodies = bodies

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/robots.txt" or self.path not in site_bodies:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = site_bodies[self.path]
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> StaticSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
