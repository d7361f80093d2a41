"""Who is calling: the client address (behind trusted proxies)."""

from __future__ import annotations

from starlette.requests import Request

from kernel.clients import client_address, is_trusted

__all__ = ["client_address", "client_ip", "is_trusted"]


def client_ip(request: Request, trusted_proxies: list[str]) -> str:
    """The peer address, or the right-most untrusted X-Forwarded-For hop when the peer is a trusted proxy."""
    peer = request.client.host if request.client else "unknown"
    return client_address(peer, request.headers.get("x-forwarded-for"), tuple(trusted_proxies))
