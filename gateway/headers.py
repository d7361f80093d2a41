"""The headers every answer of the gateway carries, whatever answered it (the edge, a service,
FastAPI, a web file): constant bytes the front adds with the request id, nothing decided per route."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.types import Scope

from gateway.clients import is_trusted

Header = tuple[bytes, bytes]
NOSNIFF: Header = (b"x-content-type-options", b"nosniff")
# Two years, subdomains included: what the HSTS preload list asks for (RFC 6797).
HSTS: Header = (b"strict-transport-security", b"max-age=63072000; includeSubDomains")


class SecurityHeaders:
    """`X-Content-Type-Options: nosniff` on every answer; HSTS on those to a request made over https:
    always when the public URL is https, else when the connection was TLS or a trusted proxy says so
    (`X-Forwarded-Proto: https` from an address of `trusted_proxies`)."""

    def __init__(self, *, public_url: str | None, trusted_proxies: Sequence[str]) -> None:
        self.always_https = bool(public_url and public_url.startswith("https://"))
        self.trusted_proxies = tuple(trusted_proxies)
        self.plain: tuple[Header, ...] = (NOSNIFF, HSTS) if self.always_https else (NOSNIFF,)
        self.over_https: tuple[Header, ...] = (NOSNIFF, HSTS)

    def __call__(self, scope: Scope) -> tuple[Header, ...]:
        """The headers for this request's answer."""
        if self.always_https or self._over_https(scope):
            return self.over_https
        return self.plain

    def _over_https(self, scope: Scope) -> bool:
        if scope["scheme"] == "https":
            return True
        if not self.trusted_proxies:
            return False
        peer = scope["client"][0] if scope.get("client") else "unknown"
        if not is_trusted(peer, self.trusted_proxies):
            return False
        for name, value in scope["headers"]:
            if name == b"x-forwarded-proto":
                return value.strip().lower() == b"https"
        return False
