"""Who is calling: the client's address, behind trusted proxies (the gateway, a load balancer)."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network


def client_address(peer: str, forwarded_for: str | None, trusted_proxies: tuple[str, ...]) -> str:
    """The peer address, or the right-most untrusted X-Forwarded-For hop when the peer is a
    trusted proxy (the gateway, for a service)."""
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [h.strip() for h in (forwarded_for or "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted_proxies):
            return hop
    return peer


@lru_cache(maxsize=64)
def _networks(trusted: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(net, strict=False) for net in trusted)


def is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    """Whether the address is one of the trusted proxies'."""
    return _is_trusted(address, trusted)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(trusted))
