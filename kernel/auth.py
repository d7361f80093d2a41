"""JWT verification against the gateway's keys; the same verifier serves the gateway and services."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import jwt
from jwt import PyJWK

from kernel.errors import Forbidden, Unauthorized

log = logging.getLogger(__name__)

Role = Literal["traveller", "courier", "operator", "device", "admin", "culture"]
ROLES: tuple[Role, ...] = ("traveller", "courier", "operator", "device", "admin", "culture")
DeviceKind = Literal["screen", "kiosk", "locker_controller", "mobility_feed"]
DEVICE_KINDS: tuple[DeviceKind, ...] = ("screen", "kiosk", "locker_controller", "mobility_feed")
ALL_STATIONS = "*"
SIGNING_ALGORITHMS = ["EdDSA", "RS256"]


class Scope:
    """What a token lets its holder do (docs/architecture.md, "Auth"). Services authorise by scope,
    never by role: the gateway alone decides which scopes a role or a device kind gets."""

    OPERATE = "station:operate"
    NETWORK_ADMIN = "network:admin"
    # The territory's culture team: curates the exhibitions that tour the stations (at the hub).
    NETWORK_CULTURE = "network:culture"
    COLLECT_PARCELS = "parcels:collect"
    SEND_PARCELS = "parcels:send"
    DEPOSIT_PARCELS = "parcels:deposit"
    READ_LOCKERS = "lockers:read"
    # Devices: one scope per kind, on what the device is bound to (`device_binding`).
    PLAY_SIGNAGE = "signage:play"
    DISPLAY_KIOSK = "kiosk:display"
    CONTROL_LOCKERS = "lockers:control"
    REPORT_MOBILITY = "mobility:report"


@dataclass(frozen=True)
class Principal:
    """Who calls: taken from a verified token only, never from a header someone else set."""

    subject: str
    role: Role
    stations: tuple[str, ...]
    scopes: frozenset[str] = field(default_factory=frozenset)
    # Devices only: their client id, kind, and what they are bound to (a screen or bank code, a
    # vehicle-sharing system id); None for people.
    client_id: str | None = None
    device_kind: DeviceKind | None = None
    device_binding: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def may_act_on(self, station_id: str) -> bool:
        return ALL_STATIONS in self.stations or station_id in self.stations

    def has_any_scope(self, *scopes: str) -> bool:
        return not self.scopes.isdisjoint(scopes)

    def is_device_bound_to(self, kind: DeviceKind, binding: str) -> bool:
        """A device of that kind, bound to exactly that screen, bank or system."""
        return self.device_kind == kind and self.device_binding is not None and self.device_binding == binding


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
    device_kind = claims.get("device_kind")
    if role == "device" and device_kind not in DEVICE_KINDS:
        raise Unauthorized("The device token names no valid device kind.")
    client_id, binding = claims.get("client_id"), claims.get("device_binding")
    return Principal(
        subject=str(claims.get("sub", "")),
        role=role,
        stations=tuple(stations),
        scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
        client_id=client_id if role == "device" and isinstance(client_id, str) else None,
        device_kind=device_kind if role == "device" else None,
        device_binding=binding if role == "device" and isinstance(binding, str) else None,
        claims=claims,
    )


KeyLookup = Callable[[str], Awaitable[PyJWK | None]]


class TokenVerifier:
    """Checks signature (by `kid`), expiry, issuer and audience; raises 401 problems.

    Verified tokens are remembered (bounded LRU, keyed by the token itself) until their `exp`:
    a device polling every few seconds costs one signature check per token, not one per request.
    A refused token is never remembered, so its next use is checked again."""

    def __init__(
        self,
        *,
        key_lookup: KeyLookup,
        issuer: str,
        audience: str,
        leeway_seconds: int = 5,
        cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.key_lookup = key_lookup
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway_seconds
        self.cache_size = cache_size
        self.clock = clock
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()

    async def verify(self, token: str) -> Principal:
        cached = self._verified.get(token)
        if cached is not None:
            principal, expires_at = cached
            if self.clock() < expires_at:
                self._verified.move_to_end(token)
                return principal
            del self._verified[token]
        principal = await self._verify_signature_and_claims(token)
        if self.cache_size > 0:
            self._verified[token] = (principal, float(principal.claims["exp"]))
            if len(self._verified) > self.cache_size:
                self._verified.popitem(last=False)
        return principal

    async def _verify_signature_and_claims(self, token: str) -> Principal:
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
