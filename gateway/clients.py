"""Who is calling: the client address (behind trusted proxies) and the verified token, if any."""

from __future__ import annotations

from ipaddress import ip_address, ip_network

from starlette.requests import Request

from gateway.runtime import GatewayRuntime
from services.common.auth import Principal, bearer_token


def client_ip(request: Request, trusted_proxies: list[str]) -> str:
    """The peer address, or the right-most untrusted X-Forwarded-For hop when the peer is a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return peer


def _is_trusted(address: str, trusted: list[str]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in ip_network(net, strict=False) for net in trusted)


async def principal_of(request: Request, runtime: GatewayRuntime) -> Principal | None:
    token = bearer_token(request.headers.get("authorization"))
    return await runtime.verifier.verify(token) if token else None
