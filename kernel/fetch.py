"""The one way to fetch a URL that someone else gave us (an operator's GBFS feed and the files it
links to): a guarded GET that cannot be turned against the station's own network.

- http(s) only;
- every address the name resolves to must be public: loopback, private, link-local, multicast,
  reserved, unspecified and other non-global ranges are refused (IPv4 and IPv6, IPv4-mapped and
  IPv4-embedded IPv6 included), unless the operator's allow-list (`<PREFIX>_FETCH_ALLOW`) names it;
- the connection goes to the address that was checked (no second lookup a DNS rebinding could
  answer differently), with the name kept for the Host header and TLS;
- redirects are followed here, a bounded number of times, each target checked like the first;
- bounded in time (the whole exchange) and in size (the decoded body).

A refusal or a failure is a `FetchError` with a reason for logs and operator views.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import zlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from kernel.tls import verified_context

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
# 64:ff9b::/96 (RFC 6052) carries an IPv4 address in its last 32 bits.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class FetchError(Exception):
    """The fetch did not give a document; `reason` says why (for logs and operators, not the public)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FetchRefused(FetchError):
    """The URL or an address it leads to is not one we fetch from."""


# What the body may be encoded in: those the decoder below bounds.
ACCEPTED_ENCODINGS = "gzip, deflate"


class BoundedDecoder:
    """The body decoded as it arrives, never beyond `max_bytes`: a few hundred KB of gzip can inflate
    to gigabytes, and a decoder asked for all of one chunk at once (httpx's) holds it all in memory
    before any cap is checked."""

    def __init__(self, content_encoding: str, max_bytes: int, url: str) -> None:
        self.max_bytes = max_bytes
        self.url = url
        self.body = bytearray()
        encoding = content_encoding.strip().lower()
        if encoding in ("", "identity"):
            self._inflate: zlib._Decompress | None = None
        elif encoding in ("gzip", "x-gzip"):
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._inflate = zlib.decompressobj()
        else:
            raise FetchError(f"{url}: content encoding {content_encoding!r} is not one we accept")
        self._encoding = encoding
        # Deflate comes with its zlib wrapper or raw (httpx accepts both): what came before the first
        # decoded byte is kept, to be read again as raw deflate if the wrapper turns out missing.
        self._until_decided: bytearray | None = bytearray() if encoding == "deflate" else None

    def feed(self, data: bytes) -> None:
        if self._inflate is None:
            self._append(data)
            return
        if self._until_decided is not None:
            self._until_decided += data
        while data:
            room = self.max_bytes - len(self.body) + 1
            try:
                self._append(self._inflate.decompress(data, room))
            except zlib.error as exc:
                if self._until_decided is not None:
                    data, self._until_decided = bytes(self._until_decided), None
                    self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError(f"{self.url}: the {self._encoding} body does not decode ({exc})") from exc
            if self.body:
                self._until_decided = None
            data = self._inflate.unconsumed_tail

    def finish(self) -> bytes:
        if self._inflate is not None:
            self._append(self._inflate.flush())
        return bytes(self.body)

    def _append(self, decoded: bytes) -> None:
        self.body += decoded
        if len(self.body) > self.max_bytes:
            raise FetchRefused(f"{self.url}: over {self.max_bytes} bytes")


@dataclass(frozen=True)
class Fetched:
    url: str
    status_code: int
    headers: httpx.Headers
    content: bytes


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why we do not connect to `address` (None: a public address)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner = address_refusal(embedded)
            return f"{inner} (inside {address})" if inner else None
    for kind, flag in (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
    ):
        if flag:
            return f"{address} is a {kind} address"
    if not address.is_global:
        return f"{address} is not a public address"
    return None


@dataclass(frozen=True)
class AllowEntry:
    network: ipaddress.IPv4Network | ipaddress.IPv6Network
    port: int | None

    def permits(self, address: IPAddress, port: int) -> bool:
        return address in self.network and (self.port is None or self.port == port)


def parse_allow_entry(entry: str) -> AllowEntry:
    """`127.0.0.1:8911`, `[::1]:8911`, `127.0.0.1`, `10.0.0.0/8` or `fd00::/8`."""
    text = entry.strip()
    port: int | None = None
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ValueError(f"not an address[:port] or a network: {entry!r}")
            port = int(rest[1:])
        text = host
    elif text.count(":") == 1:
        text, port_text = text.split(":")
        port = int(port_text)
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError as exc:
        raise ValueError(f"not an address[:port] or a network: {entry!r}") from exc
    if port is not None and not 0 < port < 65536:
        raise ValueError(f"not a port: {entry!r}")
    return AllowEntry(network, port)


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedFetcher:
    def __init__(
        self,
        *,
        allow: Iterable[str] = (),
        timeout: float = 10.0,
        max_bytes: int = 5_000_000,
        max_redirects: int = 5,
        resolver: Resolver = system_resolver,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.allow = [parse_allow_entry(entry) for entry in allow]
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.resolver = resolver
        # No proxies from the environment: a proxy would connect to an address we did not check.
        # No kept connections: a pooled connection is keyed by address and would carry another
        # host's requests over the TLS session checked for the first.
        self.http = httpx.AsyncClient(
            trust_env=False,
            verify=verified_context(),
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def get(self, url: str, *, headers: dict[str, str] | None = None) -> Fetched:
        """GET `url` within the guard; any status is returned, a refusal or failure raises."""
        try:
            async with asyncio.timeout(self.timeout):
                return await self._follow(url, headers or {})
        except TimeoutError:
            raise FetchError(f"{url}: no complete answer within {self.timeout:g} s") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc

    async def _follow(self, url: str, headers: dict[str, str]) -> Fetched:
        for _ in range(self.max_redirects + 1):
            fetched = await self._get_once(url, headers)
            location = fetched.headers.get("location")
            if fetched.status_code not in REDIRECTS or not location:
                return fetched
            url = urljoin(url, location)
        raise FetchError(f"{url}: more than {self.max_redirects} redirects")

    async def checked_address(self, url: httpx.URL) -> str:
        """The address to connect to for `url`, once every address of its host has passed."""
        if url.scheme not in ("http", "https"):
            raise FetchRefused(f"{url}: only http and https URLs are fetched")
        if not url.host:
            raise FetchRefused(f"{url}: no host")
        port = url.port or (443 if url.scheme == "https" else 80)
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in await self.resolver(url.host, port)]
        except (OSError, UnicodeError, ValueError) as exc:
            raise FetchError(f"{url}: cannot resolve {url.host}: {exc}") from exc
        if not addresses:
            raise FetchError(f"{url}: {url.host} has no address")
        for address in addresses:
            if any(entry.permits(address, port) for entry in self.allow):
                continue
            refusal = address_refusal(address)
            if refusal:
                raise FetchRefused(f"{url}: refused, {refusal}")
        return str(addresses[0])

    async def _get_once(self, url_text: str, headers: dict[str, str]) -> Fetched:
        url = httpx.URL(url_text)
        address = await self.checked_address(url)
        request = self.http.build_request(
            "GET",
            url.copy_with(host=address),
            headers={"Accept-Encoding": ACCEPTED_ENCODINGS, **headers, "Host": url.netloc.decode("ascii")},
            extensions={"sni_hostname": url.host},
        )
        response = await self.http.send(request, stream=True)
        try:
            if response.status_code in REDIRECTS:
                return Fetched(url_text, response.status_code, response.headers, b"")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > self.max_bytes:
                raise FetchRefused(f"{url_text}: over {self.max_bytes} bytes ({declared} declared)")
            decoder = BoundedDecoder(response.headers.get("content-encoding", ""), self.max_bytes, url_text)
            async for chunk in response.aiter_raw():
                decoder.feed(chunk)
            return Fetched(url_text, response.status_code, response.headers, decoder.finish())
        finally:
            await response.aclose()
