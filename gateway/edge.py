"""The path every service request takes: check the raw path, route, authenticate, limit, forward.

A plain ASGI layer in front of FastAPI's routing (the innermost middleware of the gateway's app):
a proxied request pays for none of FastAPI's per-request machinery (routing, dependency
resolution, Request and Response objects), only for what the gateway must decide. Every other
path goes on to FastAPI, after the same path check.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.clients import client_address
from gateway.domain import rate_class, rate_key
from gateway.proxy import Header, request_headers, response_headers, upstream_problem
from gateway.routing import (
    NoRoute,
    UnsafePath,
    allow_header,
    check_path,
    has_control_in_query,
    is_proxied,
    resolve,
)
from gateway.runtime import GatewayRuntime
from gateway.upstream import UpstreamError
from services.common.auth import bearer_token, require_station
from services.common.errors import Problem, TooManyRequests, Unauthorized, problem_response
from services.common.observability import current_request_id

log = logging.getLogger(__name__)
PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
_NO_BODY_STATUSES = frozenset({204, 304})


class Edge:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
        if not is_proxied(raw):
            await self.app(scope, receive, send)
            return
        runtime: GatewayRuntime = scope["app"].state.gateway
        try:
            status, headers, body = await self._proxy(runtime, scope, receive, raw, segments)
        except Problem as problem:
            await _send_problem(problem, raw, scope, receive, send)
            return
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _proxy(
        self, runtime: GatewayRuntime, scope: Scope, receive: Receive, raw: bytes, segments: list[str]
    ) -> tuple[int, list[Header], bytes]:
        try:
            target = resolve(segments, stations=runtime.stations, services=runtime.services_by_domain)
        except NoRoute as exc:
            raise Problem(str(exc), status=404, slug=exc.slug) from None
        service = target.service.name
        scope["route_template"] = runtime.route_templates[target.route_group]
        method: str = scope["method"]

        # The path's methods come before any token: 404 and 405 say the same to everyone.
        allowed = runtime.methods.allowed(service, segments)
        if allowed is not None and method not in allowed:
            if not allowed:
                raise Problem(f"No resource at {raw.decode('latin-1')}.", status=404, slug="not-found")
            allow = allow_header(allowed)
            if method == "OPTIONS":
                return 204, [(b"allow", allow.encode())], b""
            raise Problem(
                f"{method} is not allowed here; allowed: {allow}.",
                status=405,
                slug="method-not-allowed",
                headers={"Allow": allow},
            )

        authorization = host = forwarded_for = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"host":
                host = value
            elif name == b"x-forwarded-for":
                forwarded_for = value
        public = target.is_public(method)
        principal = None
        if not public:  # on a public read any token is ignored: public stays public
            token = bearer_token(authorization.decode("latin-1") if authorization else None)
            if token is None:
                raise Unauthorized("This operation needs a bearer token.")
            principal = await runtime.verifier.verify(token)
            if target.station_id is not None:
                require_station(principal, target.station_id)

        peer = scope["client"][0] if scope.get("client") else "unknown"
        ip = (
            client_address(
                peer, forwarded_for.decode("latin-1") if forwarded_for else None, runtime.trusted_proxies
            )
            if runtime.trusted_proxies
            else peer
        )
        rate = rate_class(method, authenticated=principal is not None)
        limit = runtime.rate_limits[rate]
        who = f"sub:{principal.subject}" if principal else f"ip:{ip}"
        decision = await runtime.limiter.check(
            rate_key(rate, target.route_group, who), per_second=limit.per_second, burst=limit.burst
        )
        if not decision.allowed:
            raise TooManyRequests(
                f"Rate limit reached for {target.route_group}; retry in {decision.retry_after_seconds}s.",
                headers={
                    "Retry-After": str(decision.retry_after_seconds),
                    "RateLimit-Limit": str(decision.limit),
                    "RateLimit-Remaining": "0",
                },
            )

        body = await _read_body(receive)
        query = scope["query_string"]
        forwarded = request_headers(
            scope["headers"],
            public=public,
            client_ip=ip,
            scheme=scope["scheme"],
            host=host or b"",
            request_id=current_request_id() or "",
        )
        try:
            # HEAD is a GET whose body the client does not want (RFC 9110 §9.3.2): the services
            # route GET only, so the gateway asks for the GET and keeps the headers.
            answer = await runtime.upstream_pools[service].send(
                "GET" if method == "HEAD" else method, raw + b"?" + query if query else raw, forwarded, body
            )
        except UpstreamError as exc:
            raise upstream_problem(service, exc) from None
        headers = response_headers(answer.headers, upstream_origins=runtime.upstream_origins)
        headers.append((b"ratelimit-limit", b"%d" % decision.limit))
        headers.append((b"ratelimit-remaining", b"%d" % decision.remaining))
        if answer.status not in _NO_BODY_STATUSES:
            headers.append((b"content-length", b"%d" % len(answer.body)))
        return answer.status, headers, b"" if method == "HEAD" else answer.body


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
