"""Where a request goes and what it may do there, decided on the raw path the service will see.

Pure functions and tables, no I/O: the edge (gateway/edge.py) applies them. The gateway never
decodes a path and forwards something else: it checks the raw path segment by segment (no encoded
slash, no dot segment, no control character), routes on the decoded segments, and forwards the raw
path it checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from kernel.registry import SERVICES, Service
from kernel.stations import STATION_SLUG_MAX_LENGTH, STATION_SLUG_PATTERN

MAX_PATH_BYTES = 2048
SAFE_METHODS = frozenset({"GET", "HEAD"})
STATIONS_PREFIX = b"/api/v1/stations/"

# RFC 3986 pchar without pct-encoded: a segment of only these needs no decoding. A dot segment
# ("." or "..") is excluded by the look-ahead.
_PLAIN_SEGMENT = r"(?!\.\.?(?:/|$))[A-Za-z0-9\-._~!$&'()*+,;=:@]+"
_PLAIN_PATH = re.compile(rf"(?:/{_PLAIN_SEGMENT})+/?|/")
_STATION_SLUG = re.compile(STATION_SLUG_PATTERN)
_PCHAR_OR_PERCENT = re.compile(rb"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*")


class UnsafePath(ValueError):
    """The raw path is not one the gateway forwards; the message says why."""

    def __init__(self, detail: str, *, status: int = 400) -> None:
        super().__init__(detail)
        self.status = status


def check_path(raw: bytes) -> list[str]:
    """The decoded segments of a raw request path, or UnsafePath.

    Refused: encoded slashes or backslashes (`%2F`, `%5C`), dot segments (`.`, `..`, also as
    `%2e`), control characters (raw or `%00`-`%1F`, `%7F`), empty segments but a trailing one,
    characters a URL may not carry unencoded, malformed escapes, non-UTF-8 text, over-long paths.
    A trailing slash gives a last segment "" (the service answers it: no route ends that way)."""
    if len(raw) > MAX_PATH_BYTES:
        raise UnsafePath(f"The path is longer than {MAX_PATH_BYTES} bytes.", status=414)
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise UnsafePath("The path has characters that must be percent-encoded.") from None
    if _PLAIN_PATH.fullmatch(text):
        return text[1:].split("/")
    if not text.startswith("/"):
        raise UnsafePath("The request target is not an absolute path.")
    parts = raw[1:].split(b"/")
    segments = []
    last = len(parts) - 1
    for i, part in enumerate(parts):
        segments.append(_check_segment(part, last=i == last))
    return segments


def _check_segment(part: bytes, *, last: bool) -> str:
    if not part:
        if last:
            return ""
        raise UnsafePath("The path has an empty segment (`//`).")
    if not _PCHAR_OR_PERCENT.fullmatch(part):
        if any(b < 0x20 or b == 0x7F for b in part):
            raise UnsafePath("The path has a control character.")
        if b"%" in part and not re.fullmatch(rb"(?:[^%]|%[0-9A-Fa-f]{2})*", part):
            raise UnsafePath("The path has a malformed percent-escape.")
        raise UnsafePath("The path has characters that must be percent-encoded.")
    decoded = unquote_to_bytes(part) if b"%" in part else part
    if b"/" in decoded or b"\\" in decoded:
        raise UnsafePath("The path has an encoded slash or backslash (`%2F`, `%5C`).")
    if decoded in (b".", b".."):
        raise UnsafePath("The path has a dot segment (`.` or `..`).")
    if any(b < 0x20 or b == 0x7F for b in decoded):
        raise UnsafePath("The path has an encoded control character.")
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise UnsafePath("The path has percent-escapes that are not UTF-8 text.") from None


def has_control_in_query(query: bytes) -> bool:
    """A NUL in a query value is never text (PostgreSQL refuses it): the gateway refuses it first."""
    return b"\x00" in query or b"%00" in query


def is_proxied(raw: bytes, services: Iterable[Service] = SERVICES) -> bool:
    """Whether the edge forwards this raw path (a station's service or a service's own prefix);
    everything else (the station directory, sign-in, docs, web clients) is the gateway's own."""
    if raw.startswith(STATIONS_PREFIX):
        return raw.find(b"/", len(STATIONS_PREFIX)) != -1
    for service in services:
        for prefix in service.extra_prefixes:
            encoded = prefix.encode()
            if raw == encoded or raw.startswith(encoded + b"/"):
                return True
    return False


@dataclass(frozen=True, slots=True)
class Target:
    """The service a proxied request goes to, and what the route's shape says about it."""

    service: Service
    station_id: str | None
    # One of the service's own top-level prefixes (`gbfs`): public reads, like open data.
    extra_prefix: str | None = None
    # The path after the service's prefix (`/availability/A`), decoded.
    rest: str = ""

    @property
    def route_group(self) -> str:
        """What rate limits and metrics count by: the path token (`mobility`, `gbfs`...)."""
        return self.extra_prefix or self.service.domain

    def is_public(self, method: str) -> bool:
        """A read anyone may do without a token; any token sent with it is ignored."""
        return method in SAFE_METHODS and (
            self.extra_prefix is not None or self.service.is_public_read(self.rest)
        )

    def is_public_write(self, method: str) -> bool:
        """A write anyone may make without a token (limited as a write, never cached)."""
        return method == "POST" and self.service.is_public_write(self.rest)

    def shows_more_with_token(self, method: str) -> bool:
        """A public read whose answer a valid token makes richer: the token passes on."""
        return method in SAFE_METHODS and self.rest in self.service.reads_shown_more_with_token


class NoRoute(LookupError):
    """No service of this gateway serves the path; the message says why."""

    def __init__(self, detail: str, *, slug: str = "not-found", status: int = 404) -> None:
        super().__init__(detail)
        self.slug = slug
        self.status = status


def resolve(segments: list[str], *, stations: frozenset[str], services: Mapping[str, Service]) -> Target:
    """The service for a checked path (decoded segments). `services` by domain, those this gateway serves."""
    if segments[:3] == ["api", "v1", "stations"] and len(segments) >= 5:
        station, domain = segments[3], segments[4]
        if len(station) > STATION_SLUG_MAX_LENGTH or not _STATION_SLUG.fullmatch(station):
            # What the service's own path validation says, so both answer alike.
            raise NoRoute(f"{station!r} is not a station slug.", slug="validation-error", status=422)
        if station not in stations:
            raise NoRoute(f"Station {station!r} is not served here.", slug="unknown-station")
        service = services.get(domain)
        if service is None:
            raise NoRoute(f"No service of station {station!r} is called {domain!r}.")
        return Target(service, station, rest="/" + "/".join(segments[5:]) if len(segments) > 5 else "")
    for service in services.values():
        for prefix in service.extra_prefixes:
            name = prefix.strip("/")
            if segments[0] == name:
                named = segments[1] if len(segments) > 1 and segments[1] in stations else None
                return Target(service, named, extra_prefix=name)
    raise NoRoute(f"No service serves /{'/'.join(segments)}.")


class MethodTable:
    """The methods each path of each service accepts, from the services' OpenAPI documents.

    The gateway answers 404 for a path no operation has and 405 (with Allow) for a method the path
    does not have, before it looks at a token, as the service itself would. A service whose
    document is not known yet is not checked: it answers for itself."""

    _CACHE_LIMIT = 8192

    def __init__(self) -> None:
        self._templates: dict[str, list[tuple[tuple[str | None, ...], frozenset[str]]]] = {}
        self._cache: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}

    @property
    def services(self) -> frozenset[str]:
        """Services whose paths are known."""
        return frozenset(self._templates)

    def load(self, paths: Mapping[str, Iterable[str]], services: Iterable[Service]) -> None:
        """Learn the paths of the given services: {path template: the methods it serves}."""
        templates: dict[str, list[tuple[tuple[str | None, ...], frozenset[str]]]] = {
            s.name: [] for s in services
        }
        by_domain = {s.domain: s.name for s in services}
        by_prefix = {p.strip("/"): s.name for s in services for p in s.extra_prefixes}
        for template, item in paths.items():
            parts = template.strip("/").split("/")
            if parts[:4] == ["api", "v1", "stations", "{station_id}"] and len(parts) >= 5:
                owner = by_domain.get(parts[4])
            else:
                owner = by_prefix.get(parts[0])
            if owner is None:
                continue
            methods = {m.upper() for m in item if m.lower() in _HTTP_METHODS}
            if "GET" in methods:
                methods.add("HEAD")
            pattern = tuple(None if p.startswith("{") and p.endswith("}") else p for p in parts)
            templates[owner].append((pattern, frozenset(methods)))
        self._templates.update(templates)
        self._cache.clear()

    def allowed(self, service: str, segments: list[str]) -> frozenset[str] | None:
        """The methods the path accepts (empty: no such path), or None when the service is unknown."""
        templates = self._templates.get(service)
        if templates is None:
            return None
        key = (service, tuple(segments))
        found = self._cache.get(key)
        if found is not None:
            return found
        methods: set[str] = set()
        literal: set[str] = set()
        for pattern, allowed in templates:
            if len(pattern) == len(segments) and all(
                (p is None and s != "") or p == s for p, s in zip(pattern, segments, strict=True)
            ):
                methods |= allowed
                if _concrete(pattern):
                    literal |= allowed
        # OpenAPI matches a concrete path before a template (`/screens/pair` before `/screens/{code}`).
        found = frozenset(literal or methods)
        if len(self._cache) >= self._CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = found
        return found


def _concrete(pattern: tuple[str | None, ...]) -> bool:
    """No parameter but the station's (`/api/v1/stations/{station_id}/...`, `/gbfs/{station_id}/...`)."""
    station_at = 3 if pattern[:3] == ("api", "v1", "stations") else 1
    return all(p is not None for i, p in enumerate(pattern) if i != station_at)


_HTTP_METHODS = frozenset({"get", "head", "post", "put", "patch", "delete", "options"})
ALLOW_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allow_header(methods: frozenset[str]) -> str:
    return ", ".join(m for m in ALLOW_ORDER if m in methods)
