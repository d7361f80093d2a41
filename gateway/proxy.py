"""What passes between client and service: header filtering, redirects kept in front of the gateway,
and the problems for a service that is down (503), overloaded (503) or too slow (504)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from prometheus_client import Counter

from gateway.upstream import UpstreamBusy, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from kernel.errors import Problem

log = logging.getLogger(__name__)
UPSTREAM_FAILURES = Counter(
    "gare_gateway_upstream_failures_total", "Upstream calls that failed", ["service", "kind"]
)
Header = tuple[bytes, bytes]

# RFC 9110 §7.6.1 connection-specific fields, plus those the gateway sets itself.
_DROP_REQUEST = frozenset(
    {
        b"host",
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"expect",
        b"content-length",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"forwarded",
    }
)
# A public read reaches the service with no credential: public stays public, and cacheable.
_DROP_PUBLIC_REQUEST = _DROP_REQUEST | {b"authorization", b"cookie"}
# A read the edge cache fetches is the cache's request, not the client's: no client conditions.
_DROP_CACHED_REQUEST = _DROP_PUBLIC_REQUEST | {
    b"if-none-match",
    b"if-modified-since",
    b"if-match",
    b"if-unmodified-since",
    b"if-range",
}
_DROP_RESPONSE = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
        b"content-length",
        b"x-request-id",
        # The gateway's server sets its own.
        b"date",
        b"server",
    }
)
_LOCATIONS = frozenset({b"location", b"content-location"})


def _listed_in_connection(headers: Iterable[Header]) -> set[bytes]:
    """Fields the sender named in `Connection` are for this hop only (RFC 9110 §7.6.1)."""
    named: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            named.update(token.strip().lower() for token in value.split(b","))
    return named


def request_headers(
    headers: Sequence[Header],
    *,
    public: bool,
    client_ip: str,
    scheme: str,
    host: bytes,
    request_id: str,
    cached: bool = False,
) -> list[Header]:
    """The client's headers as the service gets them (uvicorn gives names in lower case)."""
    drop = _DROP_CACHED_REQUEST if cached else _DROP_PUBLIC_REQUEST if public else _DROP_REQUEST
    named = _listed_in_connection(headers) if any(k == b"connection" for k, _ in headers) else ()
    out = [(k, v) for k, v in headers if k not in drop and k not in named]
    out.append((b"x-forwarded-for", client_ip.encode("latin-1")))
    out.append((b"x-forwarded-proto", scheme.encode("latin-1")))
    out.append((b"x-forwarded-host", host))
    out.append((b"x-request-id", request_id.encode("latin-1")))
    return out


def response_headers(headers: Iterable[Header], *, upstream_origins: Sequence[bytes]) -> list[Header]:
    """The service's headers as the client gets them. A list, not a dict: repeated fields (Vary,
    Set-Cookie...) all pass. A Location naming a service's own address becomes a path on the
    gateway: a client never leaves the gateway for an address behind it."""
    headers = list(headers)
    named = _listed_in_connection(headers)
    out = []
    for k, v in headers:
        name = k.lower()
        if name in _DROP_RESPONSE or name in named:
            continue
        if name in _LOCATIONS:
            v = behind_the_gateway(v, upstream_origins)
        out.append((name, v))
    return out


def behind_the_gateway(location: bytes, upstream_origins: Sequence[bytes]) -> bytes:
    """`http://127.0.0.1:8104/x?y` -> `/x?y` when that origin is a service's; others unchanged."""
    lowered = location.lower()
    for origin in upstream_origins:
        if lowered.startswith(origin) and lowered[len(origin) : len(origin) + 1] in (b"", b"/", b"?", b"#"):
            rest = location[len(origin) :]
            return rest if rest.startswith(b"/") else b"/" + rest
    return location


def upstream_problem(service: str, exc: UpstreamError) -> Problem:
    """The problem a client gets when the service gave no answer, counted by kind."""
    if isinstance(exc, UpstreamBusy):
        UPSTREAM_FAILURES.labels(service, "busy").inc()
        return Problem(
            f"The {service} service is overloaded; try again shortly.",
            status=503,
            slug="upstream-busy",
            headers={"Retry-After": "2"},
        )
    if isinstance(exc, UpstreamUnavailable):
        UPSTREAM_FAILURES.labels(service, "unavailable").inc()
        log.warning("upstream unavailable", extra={"upstream": service, "error": str(exc)})
        return Problem(
            f"The {service} service is not reachable; try again shortly.",
            status=503,
            slug="upstream-unavailable",
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, UpstreamTimeout):
        UPSTREAM_FAILURES.labels(service, "timeout").inc()
        log.warning("upstream timed out", extra={"upstream": service})
        return Problem(f"The {service} service did not answer in time.", status=504, slug="upstream-timeout")
    UPSTREAM_FAILURES.labels(service, "broken").inc()
    log.warning("upstream connection broke", extra={"upstream": service, "error": str(exc)})
    return Problem(
        f"The connection to the {service} service broke; try again.",
        status=503,
        slug="upstream-unavailable",
        headers={"Retry-After": "1"},
    )
