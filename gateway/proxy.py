"""Forwarding to the services over pooled HTTP/1.1 connections; down is 503, slow is 504."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import httpx
from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import Response

from services.common.errors import problem_response
from services.common.observability import current_request_id

log = logging.getLogger(__name__)
UPSTREAM_FAILURES = Counter(
    "gare_gateway_upstream_failures_total", "Upstream calls that failed", ["service", "kind"]
)

# RFC 9110 §7.6.1 connection-specific fields, plus those the gateway sets itself.
_DROP_REQUEST = frozenset(
    {
        b"host",
        b"connection",
        b"keep-alive",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"content-length",
        b"x-request-id",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"forwarded",
    }
)
_DROP_RESPONSE = frozenset(
    {
        b"connection",
        b"keep-alive",
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


class UpstreamPool:
    """The gateway's connections to one service, used at httpx's transport level: a proxy needs none
    of the client's cookie jar, redirects or auth, and skipping them is most of the per-request cost.

    At most `max_in_flight` requests go to the service at once; the others wait here, not in the
    connection pool, whose bookkeeping grows with every request it holds. One pool per service, so a
    slow service cannot take the connections the others need."""

    def __init__(self, *, max_in_flight: int, connect_timeout: float, timeout: float) -> None:
        self.transport = httpx.AsyncHTTPTransport(
            limits=httpx.Limits(max_connections=max_in_flight, max_keepalive_connections=max_in_flight),
            retries=0,
        )
        self.slots = asyncio.Semaphore(max_in_flight)
        self.queue_timeout = timeout
        self.timeouts = {
            "connect": connect_timeout,
            "read": timeout,
            "write": timeout,
            "pool": connect_timeout,
        }

    async def send(
        self, method: str, url: str, headers: list[tuple[bytes, bytes]], body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        try:
            async with asyncio.timeout(self.queue_timeout):
                await self.slots.acquire()
        except TimeoutError as exc:
            raise UpstreamBusy from exc
        try:
            request = httpx.Request(
                method, url, headers=headers, content=body, extensions={"timeout": self.timeouts}
            )
            response = await self.transport.handle_async_request(request)
            try:
                # Raw bytes, encoding untouched: the client gets exactly what the service sent.
                content = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
        finally:
            self.slots.release()
        return response.status_code, response.headers.raw, content

    async def aclose(self) -> None:
        await self.transport.aclose()


class UpstreamBusy(Exception):
    """Every slot to the service stayed taken for the whole timeout."""


def forwarded_headers(request: Request, client_ip: str) -> list[tuple[bytes, bytes]]:
    headers = [(k, v) for k, v in request.headers.raw if k not in _DROP_REQUEST]
    headers.append((b"x-forwarded-for", client_ip.encode()))
    headers.append((b"x-forwarded-proto", request.url.scheme.encode()))
    headers.append((b"x-forwarded-host", request.headers.get("host", "").encode()))
    headers.append((b"x-request-id", (current_request_id() or "").encode()))
    return headers


def response_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    # A list, not a dict: repeated fields (Set-Cookie, Vary...) must all pass.
    return [(k.lower(), v) for k, v in headers if k.lower() not in _DROP_RESPONSE]


async def forward(
    request: Request, *, pool: UpstreamPool, service: str, base_url: str, client_ip: str
) -> Response:
    body = await request.body()
    url = base_url + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    try:
        status, headers, content = await pool.send(
            request.method, url, forwarded_headers(request, client_ip), body
        )
    except UpstreamBusy:
        UPSTREAM_FAILURES.labels(service, "busy").inc()
        return problem_response(
            status=503,
            slug="upstream-busy",
            detail=f"The {service} service is overloaded; try again shortly.",
            instance=request.url.path,
            headers={"Retry-After": "2"},
        )
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        UPSTREAM_FAILURES.labels(service, "unavailable").inc()
        log.warning("upstream unavailable", extra={"upstream": service, "error": repr(exc)})
        return problem_response(
            status=503,
            slug="upstream-unavailable",
            detail=f"The {service} service is not reachable; try again shortly.",
            instance=request.url.path,
            headers={"Retry-After": "5"},
        )
    except httpx.TimeoutException:
        UPSTREAM_FAILURES.labels(service, "timeout").inc()
        log.warning("upstream timed out", extra={"upstream": service})
        return problem_response(
            status=504,
            slug="upstream-timeout",
            detail=f"The {service} service did not answer in time.",
            instance=request.url.path,
        )
    except httpx.TransportError as exc:
        UPSTREAM_FAILURES.labels(service, "broken").inc()
        log.warning("upstream connection broke", extra={"upstream": service, "error": repr(exc)})
        return problem_response(
            status=503,
            slug="upstream-unavailable",
            detail=f"The connection to the {service} service broke; try again.",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )
    response = Response(content=content, status_code=status)
    response.raw_headers.extend(response_headers(headers))
    return response
