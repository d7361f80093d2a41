"""JWT verification against the gateway's keys; the same verifier serves the gateway and services."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import jwt
from jwt import PyJWK

from services.common.errors import Forbidden, Unauthorized

log = logging.getLogger(__name__)

Role = Literal["traveller", "courier", "operator", "device", "admin"]
ROLES: tuple[Role, ...] = ("traveller", "courier", "operator", "device", "admin")
ALL_STATIONS = "*"
SIGNING_ALGORITHMS = ["EdDSA", "RS256"]


@dataclass(frozen=True)
class Principal:
    """Who calls: taken from a verified token only, never from a header someone else set."""

    subject: str
    role: Role
    stations: tuple[str, ...]
    scopes: frozenset[str] = field(default_factory=frozenset)
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def may_act_on(self, station_id: str) -> bool:
        return ALL_STATIONS in self.stations or station_id in self.stations


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    role = claims.get("role")
    if role not in ROLES:
        raise Unauthorized("The token has no valid role.")
    stations = claims.get("stations")
    if stations == ALL_STATIONS:
        stations = [ALL_STATIONS]
    if not isinstance(stations, list) or not all(isinstance(s, str) for s in stations):
        raise Unauthorized("The token has no valid station list.")
    scope = claims.get("scope", "")
    return Principal(
        subject=str(claims.get("sub", "")),
        role=role,
        stations=tuple(stations),
        scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
        claims=claims,
    )


KeyLookup = Callable[[str], Awaitable[PyJWK | None]]


class TokenVerifier:
    """Checks signature (by `kid`), expiry, issuer and audience; raises 401 problems."""

    def __init__(self, *, key_lookup: KeyLookup, issuer: str, audience: str, leeway_seconds: int = 5) -> None:
        self.key_lookup = key_lookup
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("The bearer token is not a JWT.") from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or header.get("alg") not in SIGNING_ALGORITHMS:
            raise Unauthorized("The token's key id or algorithm is not accepted.")
        key = await self.key_lookup(kid)
        if key is None:
            raise Unauthorized("The token was signed by an unknown key.")
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[key.algorithm_name],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("The token has expired.") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"The token is not valid: {exc}.") from exc
        return principal_from_claims(claims)


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Use `Authorization: Bearer <token>`.")
    return token.strip()


def require_station(principal: Principal, station_id: str) -> None:
    if not principal.may_act_on(station_id):
        raise Forbidden(f"This token does not give access to station {station_id!r}.")


class JwksClient:
    """Caches the gateway's JWKS; refetches on an unknown `kid` (rotation) at most every few seconds."""

    def __init__(
        self,
        url: str,
        *,
        http: httpx.AsyncClient,
        max_age_seconds: float = 300.0,
        min_refetch_interval: float = 2.0,
    ) -> None:
        self.url = url
        self.http = http
        self.max_age = max_age_seconds
        self.min_refetch_interval = min_refetch_interval
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at = -max_age_seconds  # stale until the first fetch
        self._next_attempt = 0.0
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> PyJWK | None:
        if kid not in self._keys or time.monotonic() - self._fetched_at > self.max_age:
            await self.refresh()
        return self._keys.get(kid)

    async def refresh(self) -> None:
        """Fetch the JWKS, at most once per `min_refetch_interval` whatever the outcome."""
        async with self._lock:
            now = time.monotonic()
            if now < self._next_attempt:
                return
            self._next_attempt = now + self.min_refetch_interval
            try:
                response = await self.http.get(self.url, timeout=3.0)
                response.raise_for_status()
                keys = parse_jwks(response.json())
            except (httpx.HTTPError, ValueError) as exc:
                # Keep the keys we had: the gateway being briefly away must not reject valid tokens.
                log.warning("JWKS fetch failed", extra={"url": self.url, "error": repr(exc)})
                return
            self._keys = keys
            self._fetched_at = now


def parse_jwks(document: Any) -> dict[str, PyJWK]:
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("not a JWKS document")
    keys: dict[str, PyJWK] = {}
    for jwk in document["keys"]:
        kid = jwk.get("kid") if isinstance(jwk, dict) else None
        if not kid:
            continue
        try:
            keys[kid] = PyJWK.from_dict(jwk)
        except jwt.PyJWTError:
            log.warning("ignoring an unusable JWK", extra={"kid": kid})
    return keys
