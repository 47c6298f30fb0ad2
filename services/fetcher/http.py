"""Fetching over HTTP without being turned against the network newsflow runs in.

Every request — and every redirect hop — goes only to hosts whose addresses are all public (or on an
explicit allow-list), with connect and read timeouts, a size cap counted on the decoded body (so a
compression bomb stops at the cap), a content-type check, and conditional GET so an unchanged feed costs
a 304. Failures are :class:`FetchError` with a one-line reason, never a stack trace.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

USER_AGENT = "newsflow/0.1 (news feed processing; respects robots.txt)"
MAX_REDIRECTS = 5
_REDIRECTS = {301, 302, 303, 307, 308}

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
            if not address.is_global or address.is_multicast:
                raise FetchError(f"refused {url}: {parts.hostname} resolves to non-public address {address}")
        return addresses[0].split("%")[0]


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
        user_agent: str = USER_AGENT,
    ) -> None:
        self.policy = policy
        self.max_bytes = max_bytes
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
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
        for _ in range(MAX_REDIRECTS + 1):
            address = self.policy.check(current)
            target, pinned = _pinned(current, address)
            try:
                with self._client.stream(
                    "GET", target, headers={**headers, **pinned["headers"]}, extensions=pinned["extensions"]
                ) as response:
                    if response.status_code in _REDIRECTS:
                        location = response.headers.get("Location")
                        if not location:
                            raise FetchError(f"{current}: redirect without a Location", status=response.status_code)
                        current = urljoin(current, location)
                        continue
                    return self._read(current, response, accept, validators)
            except httpx.TimeoutException:
                raise FetchError(f"{current}: timed out", transient=True) from None
            except httpx.DecodingError as error:
                raise FetchError(f"{current}: undecodable content encoding: {error}", transient=False) from None
            except httpx.HTTPError as error:
                raise FetchError(f"{current}: {type(error).__name__}: {error}", transient=True) from None
        raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _read(
        self, url: str, response: httpx.Response, accept: tuple[str, ...], validators: Validators | None
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
        body = bytearray()
        for chunk in response.iter_bytes():  # decoded: a compression bomb stops at the cap
            body += chunk
            if len(body) > self.max_bytes:
                raise FetchError(f"{url}: body over the {self.max_bytes}-byte limit")
        return Fetched(
            url,
            response.status_code,
            bytes(body),
            content_type,
            Validators(response.headers.get("ETag"), response.headers.get("Last-Modified")),
        )
