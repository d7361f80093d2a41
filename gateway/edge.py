"""The path every service request takes: resolve, authenticate, limit, forward."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from gateway import domain
from gateway.clients import client_ip, principal_of
from gateway.proxy import forward
from gateway.runtime import GatewayRuntime
from services.common.auth import require_station
from services.common.errors import NotFound, TooManyRequests, Unauthorized

PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]


async def edge(request: Request) -> Response:
    runtime: GatewayRuntime = request.app.state.gateway
    settings = runtime.settings
    match = domain.resolve(request.url.path)
    if match is None:
        raise NotFound(f"No service serves {request.url.path}.")
    request.scope["route_template"] = f"/{match.domain} -> {match.service}"

    # Bad tokens stop here; the service checks the good ones again.
    principal = await principal_of(request, runtime)
    if principal is None and domain.needs_token(match, request.method):
        raise Unauthorized("This operation needs a bearer token.")
    if principal is not None and match.station_id is not None:
        require_station(principal, match.station_id)

    ip = client_ip(request, settings.trusted_proxies)
    rate = domain.rate_class(request.method, authenticated=principal is not None)
    limit = getattr(settings, f"rate_limit_{rate}")
    who = f"sub:{principal.subject}" if principal else f"ip:{ip}"
    decision = await runtime.limiter.check(
        domain.rate_key(rate, match.domain, who), per_second=limit.per_second, burst=limit.burst
    )
    if not decision.allowed:
        raise TooManyRequests(
            f"Rate limit reached for {match.domain}; retry in {decision.retry_after_seconds}s.",
            headers={
                "Retry-After": str(decision.retry_after_seconds),
                "RateLimit-Limit": str(decision.limit),
                "RateLimit-Remaining": "0",
            },
        )

    response = await forward(
        request,
        pool=runtime.upstream_pools[match.service],
        service=match.service,
        base_url=runtime.upstream_urls[match.service],
        client_ip=ip,
    )
    response.headers["RateLimit-Limit"] = str(decision.limit)
    response.headers["RateLimit-Remaining"] = str(decision.remaining)
    return response
