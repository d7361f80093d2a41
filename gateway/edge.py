"""The path every service request takes: check the raw path, route, authenticate, limit, forward.

A plain ASGI handler at the end of the gateway's front (gateway/app.py), before FastAPI: a proxied
request pays for none of FastAPI's per-request machinery (routing, dependency resolution, Request
and Response objects), only for what the gateway must decide. Every other path goes on to
FastAPI, after the same path check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.cache import Answer
from gateway.clients import client_address
from gateway.domain import RateClass, own_rate_class, own_route_group, rate_class, rate_key
from gateway.proxy import Header, request_headers, response_headers, upstream_problem
from gateway.ratelimit import Decision
from gateway.routing import (
    NoRoute,
    Target,
    UnsafePath,
    allow_header,
    check_path,
    has_control_in_query,
    is_proxied,
    resolve,
)
from gateway.runtime import GatewayRuntime
from gateway.streams import Relay, wants_event_stream
from gateway.upstream import UpstreamError, UpstreamResponse
from kernel.auth import Principal, bearer_token, require_station
from kernel.errors import Forbidden, Problem, TooManyRequests, Unauthorized, problem_response
from kernel.observability import current_request_id
from kernel.streams import stream_client

log = logging.getLogger(__name__)
PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_NO_BODY_STATUSES = frozenset({204, 304})


class Edge:
    """Checks every path; forwards the proxied ones; hands the others to `app` (FastAPI)."""

    def __init__(self, app: ASGIApp, state: State) -> None:
        self.app = app
        self.state = state  # the app's state: the runtime is there once the lifespan has started

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        try:
            segments = check_path(raw)
        except UnsafePath as exc:
            slug = "uri-too-long" if exc.status == 414 else "invalid-path"
            await _send_problem(Problem(str(exc), status=exc.status, slug=slug), raw, scope, receive, send)
            return
        if has_control_in_query(scope["query_string"]):
            problem = Problem("The query has a NUL character.", slug="invalid-query")
            await _send_problem(problem, raw, scope, receive, send)
            return
        runtime: GatewayRuntime | None = getattr(self.state, "gateway", None)
        if not is_proxied(raw):
            if runtime is None:  # not started (an app without its lifespan): nothing to count with
                await self.app(scope, receive, send)
            else:
                await self._own_route(runtime, scope, receive, send, raw)
            return
        assert runtime is not None
        try:
            answer = await self._proxy(runtime, scope, receive, raw, segments)
            if isinstance(answer, Relay):
                # Problems come before the stream starts (no connection, no slot); then it flows.
                await answer.run(receive, send)
                return
            status, headers, body = answer
        except Problem as problem:
            await _send_problem(problem, raw, scope, receive, send)
            return
        except Exception:
            # Outside FastAPI, so its crash handler is not there: the same answer, with the id.
            log.exception("unhandled error", extra={"path": scope["path"]})
            crash = Problem(
                "An unexpected error occurred; it has been logged with the request id.",
                status=500,
                slug="internal-error",
            )
            await _send_problem(crash, raw, scope, receive, send)
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _own_route(
        self, runtime: GatewayRuntime, scope: Scope, receive: Receive, send: Send, raw: bytes
    ) -> None:
        """The gateway's own routes (sign-in, directory, docs, web clients, probes) pay their rate
        class too, in groups of their own; the sign-in routes also have their per-address limits."""
        head = RequestHead.of(scope)
        ip = head.client_ip(scope, runtime.trusted_proxies)
        try:
            principal = await _optional_caller(runtime, head)
            path: str = scope["path"]
            rate = own_rate_class(scope["method"], path, authenticated=principal is not None)
            decision = await _within_limits(runtime, own_route_group(path), rate, principal, ip)
        except Problem as problem:
            await _send_problem(problem, raw, scope, receive, send)
            return
        limits = _limit_headers(decision)

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *limits]}
            await send(message)

        await self.app(scope, receive, send_with_limits)

    async def _proxy(
        self, runtime: GatewayRuntime, scope: Scope, receive: Receive, raw: bytes, segments: list[str]
    ) -> tuple[int, list[Header], bytes] | Relay:
        method: str = scope["method"]
        target = _target(runtime, segments)
        scope["route_template"] = runtime.route_templates[target.route_group]
        # The path's methods come before any token: 404 and 405 say the same to everyone.
        allow = _allowed(runtime, target, segments, method, raw)
        if allow is not None:
            return 204, [(b"allow", allow.encode())], b""
        head = RequestHead.of(scope)
        public = target.is_public(method)
        anonymous = public or target.is_public_write(method)
        principal = None if anonymous else await _caller(runtime, target, head)
        if public and head.authorization and target.shows_more_with_token(method):
            principal = await _caller_if_any(runtime, target, head)
            public = principal is None
        ip = head.client_ip(scope, runtime.trusted_proxies)
        rate = rate_class(method, authenticated=principal is not None)
        decision = await _within_limits(runtime, target.route_group, rate, principal, ip)
        limits = _limit_headers(decision)
        if wants_event_stream(method, scope["headers"]) and runtime.stream_client is not None:
            holder = stream_client(principal.subject if principal else None, ip)
            return _relay(runtime, target, scope, head, public, ip, raw, limits, holder)
        body = await _read_body(receive) if head.has_body else b""
        answer = await _answer(runtime, target, scope, head, public, ip, raw, body)
        headers = answer.headers
        headers += limits
        if answer.status not in _NO_BODY_STATUSES:
            headers.append((b"content-length", b"%d" % len(answer.body)))
        return answer.status, headers, b"" if method == "HEAD" else answer.body


@dataclass(slots=True)
class RequestHead:
    """What the edge reads from the request's headers, in one pass."""

    authorization: bytes | None = None
    host: bytes = b""
    forwarded_for: bytes | None = None
    has_body: bool = False

    @classmethod
    def of(cls, scope: Scope) -> RequestHead:
        head = cls()
        for name, value in scope["headers"]:
            if name == b"authorization":
                head.authorization = value
            elif name == b"host":
                head.host = value
            elif name == b"x-forwarded-for":
                head.forwarded_for = value
            elif name == b"content-length" or name == b"transfer-encoding":
                head.has_body = True
        return head

    def client_ip(self, scope: Scope, trusted_proxies: tuple[str, ...]) -> str:
        peer: str = scope["client"][0] if scope.get("client") else "unknown"
        if not trusted_proxies:
            return peer
        forwarded_for = self.forwarded_for.decode("latin-1") if self.forwarded_for else None
        return client_address(peer, forwarded_for, trusted_proxies)


def _target(runtime: GatewayRuntime, segments: list[str]) -> Target:
    try:
        return resolve(segments, stations=runtime.stations, services=runtime.services_by_domain)
    except NoRoute as exc:
        errors = (
            [{"in": "path", "field": "station_id", "detail": str(exc), "type": "string_pattern_mismatch"}]
            if exc.status == 422
            else None
        )
        raise Problem(str(exc), status=exc.status, slug=exc.slug, errors=errors) from None


def _allowed(
    runtime: GatewayRuntime, target: Target, segments: list[str], method: str, raw: bytes
) -> str | None:
    """None when the path has the method (or its service's paths are not known yet); the Allow
    value for an OPTIONS; else the 404 or 405 problem."""
    allowed = runtime.methods.allowed(target.service.name, segments)
    if allowed is None or method in allowed:
        return None
    if not allowed:
        raise Problem(f"No resource at {raw.decode('latin-1')}.", status=404, slug="not-found")
    allow = allow_header(allowed)
    if method == "OPTIONS":
        return allow
    raise Problem(
        f"{method} is not allowed here; allowed: {allow}.",
        status=405,
        slug="method-not-allowed",
        headers={"Allow": allow},
    )


async def _caller(runtime: GatewayRuntime, target: Target, head: RequestHead) -> Principal:
    """The verified caller, allowed on the path's station (the service checks its scopes)."""
    token = bearer_token(head.authorization.decode("latin-1") if head.authorization else None)
    if token is None:
        raise Unauthorized("This operation needs a bearer token.")
    principal = await runtime.verifier.verify(token)
    if target.station_id is not None:
        require_station(principal, target.station_id)
    return principal


async def _caller_if_any(runtime: GatewayRuntime, target: Target, head: RequestHead) -> Principal | None:
    """The caller of a public read, when its token is good here; else the public (never a 401)."""
    try:
        return await _caller(runtime, target, head)
    except (Unauthorized, Forbidden):
        return None


async def _optional_caller(runtime: GatewayRuntime, head: RequestHead) -> Principal | None:
    """Who calls a route of the gateway's own, for its rate class only: a token that does not verify
    is anonymous here (the route itself answers 401 where it needs one)."""
    if head.authorization is None:
        return None
    try:
        token = bearer_token(head.authorization.decode("latin-1"))
        return await runtime.verifier.verify(token) if token else None
    except Problem:
        return None


def _limit_headers(decision: Decision) -> list[Header]:
    return [
        (b"ratelimit-limit", b"%d" % decision.limit),
        (b"ratelimit-remaining", b"%d" % decision.remaining),
    ]


async def _within_limits(
    runtime: GatewayRuntime, group: str, rate: RateClass, principal: Principal | None, ip: str
) -> Decision:
    limit = runtime.rate_limits[rate]
    who = f"sub:{principal.subject}" if principal else f"ip:{ip}"
    decision = await runtime.limiter.check(
        rate_key(rate, group, who), per_second=limit.per_second, burst=limit.burst
    )
    if not decision.allowed:
        raise TooManyRequests(
            f"Rate limit reached for {group}; retry in {decision.retry_after_seconds}s.",
            headers={
                "Retry-After": str(decision.retry_after_seconds),
                "RateLimit-Limit": str(decision.limit),
                "RateLimit-Remaining": "0",
            },
        )
    return decision


async def _answer(
    runtime: GatewayRuntime,
    target: Target,
    scope: Scope,
    head: RequestHead,
    public: bool,
    ip: str,
    raw: bytes,
    body: bytes,
) -> UpstreamResponse | Answer:
    """The edge cache's answer for a public read it keeps, else the service's."""
    method: str = scope["method"]
    query: bytes = scope["query_string"]
    path = raw + b"?" + query if query else raw
    service = target.service.name
    pool = runtime.upstream_pools[service]
    cache = runtime.edge_cache if public else None

    def forwarded(*, cached: bool) -> list[Header]:
        return _forwarded(scope, head, public, ip, cached=cached)

    async def fetch(headers: list[Header], if_none_match: bytes | None = None) -> UpstreamResponse:
        if if_none_match:
            headers = [*headers, (b"if-none-match", if_none_match)]
        try:
            # HEAD is a GET whose body the client does not want (RFC 9110 §9.3.2): the services
            # route GET only, so the gateway asks for the GET and keeps the headers.
            answer = await pool.send("GET" if method == "HEAD" else method, path, headers, body)
        except UpstreamError as exc:
            raise upstream_problem(service, exc) from None
        answer.headers = response_headers(answer.headers, upstream_origins=runtime.upstream_origins)
        return answer

    if cache is not None and cache.usable():

        async def fetch_for_cache(if_none_match: bytes | None) -> UpstreamResponse:
            # The cache's own request to the service: none of the client's conditions. Built
            # only when the cache asks: a hit forwards nothing.
            return await fetch(forwarded(cached=True), if_none_match)

        answer = await cache.answer(
            target=path,
            scope=(target.station_id, target.service.domain) if target.station_id else None,
            request_headers=scope["headers"],
            fetch=fetch_for_cache,
        )
        if answer is not None:
            return answer
    return await fetch(forwarded(cached=False))


def _relay(
    runtime: GatewayRuntime,
    target: Target,
    scope: Scope,
    head: RequestHead,
    public: bool,
    ip: str,
    raw: bytes,
    limits: list[Header],
    holder: str,
) -> Relay:
    query: bytes = scope["query_string"]
    service = target.service.name
    assert runtime.stream_client is not None
    return Relay(
        service=service,
        pool=runtime.upstream_pools[service],
        target=raw + b"?" + query if query else raw,
        headers=_forwarded(scope, head, public, ip, cached=False),
        client=runtime.stream_client,
        slots=runtime.stream_slots[service],
        holder=holder,
        upstream_origins=runtime.upstream_origins,
        extra_headers=limits,
    )


def _forwarded(scope: Scope, head: RequestHead, public: bool, ip: str, *, cached: bool) -> list[Header]:
    """The request's headers as the service gets them."""
    return request_headers(
        scope["headers"],
        public=public,
        client_ip=ip,
        scheme=scope["scheme"],
        host=head.host,
        request_id=current_request_id() or "",
        cached=cached,
    )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise Problem("The client went away.", status=400, slug="client-disconnected")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_problem(problem: Problem, raw: bytes, scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(
        status=problem.status,
        slug=problem.slug,
        title=problem.title,
        detail=problem.detail,
        instance=raw.decode("latin-1"),
        errors=problem.errors,
        headers=problem.headers,
        extensions=problem.extensions,
    )
    await response(scope, receive, send)
