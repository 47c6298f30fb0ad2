"""Fetching over HTTP without being turned against the network newsflow runs in.

Every request — and every redirect hop — goes only to hosts whose addresses are all public (or on an
explicit allow-list; an IPv6 address that carries an IPv4 one — mapped, NAT64, 6to4, Teredo or the old
compatible form — is judged by that IPv4 address too), with connect and read timeouts and a deadline for
the whole body (a server trickling a byte at a time cannot hold a fetch), a size cap counted on the
decoded body as it is decoded (one layer of gzip or deflate, inflated a bounded piece at a time, so a
compression bomb stops at the cap), a content-type check, and conditional GET so an unchanged feed costs
a 304. Failures are :class:`FetchError` with a one-line reason, never a stack trace.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

USER_AGENT = "newsflow/0.1 (news feed processing; respects robots.txt)"
MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}
# zlib's window bits: gzip framing, zlib framing, raw deflate (some servers send that as "deflate").
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
# IPv6 prefixes whose last 32 bits are an IPv4 address the packet ends up at.
_NAT64 = [ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48")]
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")

Resolver = Callable[[str, int], list[str]]


class FetchError(RuntimeError):
    """A fetch that produced nothing usable; ``reason`` is one line for logs and dead letters.

    ``transient`` failures (timeouts, lost connections, 5xx, 429) may succeed when tried again later;
    the others (refused address, 404, wrong content type, oversize) will not.
    """

    def __init__(self, reason: str, *, status: int | None = None, transient: bool | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.transient = (
            (status is not None and (status >= 500 or status in {408, 429})) if transient is None else transient
        )


@dataclass(frozen=True)
class Validators:
    """What the server said identifies this version (for the next conditional GET)."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int
    content: bytes  # empty when not modified
    content_type: str
    validators: Validators
    not_modified: bool = False


def _system_resolver(host: str, port: int) -> list[str]:
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


class AddressPolicy:
    """Which addresses may be fetched: public ones, plus networks the operator allows explicitly."""

    def __init__(self, allowed_networks: Iterable[str] = (), resolver: Resolver = _system_resolver) -> None:
        self.allowed = [ipaddress.ip_network(network, strict=False) for network in allowed_networks]
        self.resolver = resolver

    def check(self, url: str) -> str:
        """The address to connect to; FetchError unless every address the host resolves to may be contacted."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise FetchError(f"refused {url}: only http and https URLs are fetched")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            addresses = self.resolver(parts.hostname, port)
        except OSError as error:
            raise FetchError(f"cannot resolve {parts.hostname}: {error}", transient=True) from None
        if not addresses:
            raise FetchError(f"cannot resolve {parts.hostname}", transient=True)
        for text in addresses:
            address = ipaddress.ip_address(text.split("%")[0])
            if any(address in network for network in self.allowed):
                continue
            for judged in (address, *embedded_ipv4(address)):
                if not judged.is_global or judged.is_multicast:
                    shown = address if judged == address else f"{address} (carrying {judged})"
                    raise FetchError(f"refused {url}: {parts.hostname} resolves to non-public address {shown}")
        return addresses[0].split("%")[0]


def embedded_ipv4(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (and would reach through a translator or tunnel)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
    if any(address in network for network in _NAT64) or (address in _IPV4_COMPATIBLE and int(address) > 1):
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [ipv4 for ipv4 in found if ipv4 is not None]


def _pinned(url: str, address: str) -> tuple[str, dict[str, dict[str, str]]]:
    """The request aimed at the address that was checked, not at a second DNS answer (which could have
    changed in between: DNS rebinding). The Host header and TLS server name keep the original host, so
    virtual hosting and certificate checks work as for the name."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = f"[{address}]" if ":" in address else address
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    host_header = f"{host}:{parts.port}" if parts.port else host
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), {
        "headers": {"Host": host_header},
        "extensions": extensions,
    }


class SafeClient:
    """An HTTP client that enforces the address policy, size cap and content types on every hop."""

    def __init__(
        self,
        policy: AddressPolicy,
        *,
        max_bytes: int = 5_000_000,
        connect_timeout_s: float = 10.0,
        read_timeout_s: float = 20.0,
        total_timeout_s: float = 60.0,
        user_agent: str = USER_AGENT,
        stopping: threading.Event | None = None,
    ) -> None:
        self.policy = policy
        self.max_bytes = max_bytes
        self.total_timeout_s = total_timeout_s
        self.stopping = stopping  # set: bodies still arriving are abandoned, so a slow site never holds up a stop
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
            # A connection per request: the deadline's watchdog cuts the very connection it watched open.
            limits=httpx.Limits(max_keepalive_connections=0),
            headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # no proxy from the environment can route around the address policy
        )

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, *, accept: tuple[str, ...] = (), validators: Validators | None = None) -> Fetched:
        """GET with redirects followed by hand (each hop checked); 304 → ``not_modified``."""
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        current = url
        deadline = time.monotonic() + self.total_timeout_s
        for _ in range(MAX_REDIRECTS + 1):
            address = self.policy.check(current)
            target, pinned = _pinned(current, address)
            watchdog = _Deadline(deadline)
            try:
                with self._client.stream(
                    "GET",
                    target,
                    headers={**headers, **pinned["headers"]},
                    extensions={**pinned["extensions"], "trace": watchdog.trace},
                ) as response:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("Location")
                        if not location:
                            raise FetchError(f"{current}: redirect without a Location", status=response.status_code)
                        current = urljoin(current, location)
                        continue
                    return self._read(current, response, accept, validators, deadline)
            except httpx.HTTPError as error:
                raise self._failure(current, error, cut=watchdog.expired) from None
            finally:
                watchdog.cancel()
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _failure(self, url: str, error: httpx.HTTPError, *, cut: bool) -> FetchError:
        if cut:
            return FetchError(f"{url}: no whole answer within {self.total_timeout_s:.0f} s", transient=True)
        if isinstance(error, httpx.TimeoutException):
            return FetchError(f"{url}: timed out", transient=True)
        if isinstance(error, httpx.DecodingError):
            return FetchError(f"{url}: undecodable content encoding: {error}", transient=False)
        return FetchError(f"{url}: {type(error).__name__}: {error}", transient=True)

    def _read(
        self,
        url: str,
        response: httpx.Response,
        accept: tuple[str, ...],
        validators: Validators | None,
        deadline: float,
    ) -> Fetched:
        content_type = response.headers.get("Content-Type", "")
        if response.status_code == 304:
            return Fetched(url, 304, b"", content_type, validators or Validators(), not_modified=True)
        if response.status_code >= 400:
            raise FetchError(f"{url}: HTTP {response.status_code}", status=response.status_code)
        if accept and content_type and not any(kind in content_type.lower() for kind in accept):
            raise FetchError(f"{url}: content type {content_type!r} is not one of {', '.join(accept)}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"{url}: {declared} bytes announced, over the {self.max_bytes}-byte limit")
        inflate = _Inflater.for_header(url, response.headers.get("Content-Encoding", ""))
        body = bytearray()
        for chunk in response.iter_raw():  # as sent: decoded here, a bounded piece at a time
            if time.monotonic() > deadline:
                raise FetchError(f"{url}: no whole answer within {self.total_timeout_s:.0f} s", transient=True)
            if self.stopping is not None and self.stopping.is_set():
                raise FetchError(f"{url}: abandoned, the fetcher is stopping", transient=True)
            body += inflate(chunk, self.max_bytes + 1 - len(body)) if inflate else chunk
            if len(body) > self.max_bytes:
                raise FetchError(f"{url}: body over the {self.max_bytes}-byte limit")
        if inflate:
            inflate.check_complete()
        return Fetched(
            url,
            response.status_code,
            bytes(body),
            content_type,
            Validators(response.headers.get("ETag"), response.headers.get("Last-Modified")),
        )


class _Deadline:
    """Cuts a request's connection when its deadline passes, wherever the request then is. httpx bounds
    each read, not the whole: a server sending its headers a byte at a time would hold a fetch for ever.
    The connection is seen through httpcore's trace as it opens and shut down from a timer thread, which
    wakes the blocked read."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self._stream: Any = None
        self._timer: threading.Timer | None = None

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self._stream = info.get("return_value")  # TLS wraps (and detaches) the TCP socket: watch the latest
            if self._timer is None:
                self._timer = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._cut)
                self._timer.daemon = True
                self._timer.start()

    def _cut(self) -> None:
        self.expired = True
        sock = self._stream.get_extra_info("socket") if self._stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


class _Inflater:
    """Decodes the body's one content coding, never returning more than it is asked for. Stacked or
    unknown codings are refused (only gzip and deflate are asked for)."""

    def __init__(self, url: str, coding: str) -> None:
        self.url = url
        self.coding = coding
        self.decoder = zlib.decompressobj(_WBITS[coding])
        self.started = False

    @classmethod
    def for_header(cls, url: str, encoding_header: str) -> _Inflater | None:
        codings = [coding.strip().lower() for coding in encoding_header.split(",") if coding.strip()]
        codings = [coding for coding in codings if coding != "identity"]
        if not codings:
            return None
        if len(codings) > 1 or codings[0] not in _WBITS:
            raise FetchError(f"{url}: content encoding {encoding_header!r} refused (one layer of gzip or deflate only)")
        return cls(url, codings[0])

    def __call__(self, chunk: bytes, room: int) -> bytes:
        try:
            out = self.decoder.decompress(chunk, room)
        except zlib.error as error:
            if self.coding == "deflate" and not self.started:  # raw deflate, without the zlib header
                self.decoder, self.coding = zlib.decompressobj(-zlib.MAX_WBITS), "raw deflate"
                return self(chunk, room)
            raise FetchError(f"{self.url}: undecodable content encoding: {error}") from None
        self.started = True
        if self.decoder.unconsumed_tail:  # more would come out of this chunk than there is room for
            out += b"\0"  # one byte past the room: the caller reports the limit
        return out

    def check_complete(self) -> None:
        if not self.decoder.eof:
            raise FetchError(f"{self.url}: undecodable content encoding: the {self.coding} stream is cut short")
