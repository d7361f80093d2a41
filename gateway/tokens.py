"""Minting tokens: signed access tokens (JWT) and opaque refresh tokens (random, stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt

from gateway import domain
from gateway.keys import KeyRing
from gateway.settings import GatewaySettings
from kernel.auth import ALL_STATIONS, Role


@dataclass(frozen=True)
class Grant:
    """What an access token says: who, with which role, on which stations, allowed to do what."""

    subject: str
    role: Role
    stations: list[str] | str
    scope: str
    ttl_seconds: int
    extra_claims: dict[str, Any] = field(default_factory=dict)

    def narrowed(self, scope: str) -> Grant:
        return Grant(self.subject, self.role, self.stations, scope, self.ttl_seconds, self.extra_claims)


def account_grant(
    settings: GatewaySettings, *, username: str, role: Role, stations: list[str], carrier: str | None = None
) -> Grant:
    """A courier's token names its carrier: services show and open that carrier's parcels only."""
    return Grant(
        subject=f"{role}:{username}",
        role=role,
        stations=ALL_STATIONS if role in domain.NETWORK_ROLES else stations,
        scope=domain.scopes_for(role),
        ttl_seconds=settings.staff_token_ttl_seconds,
        extra_claims={"carrier": carrier} if role == "courier" and carrier else {},
    )


def traveller_grant(settings: GatewaySettings, *, subject: str, phone_number: str) -> Grant:
    return Grant(
        subject=subject,
        role="traveller",
        stations=ALL_STATIONS,
        scope=domain.scopes_for("traveller"),
        ttl_seconds=settings.traveller_token_ttl_seconds,
        extra_claims={"phone_number": phone_number},
    )


def device_grant(
    settings: GatewaySettings, *, client_id: str, kind: str, station_id: str, binding: str | None
) -> Grant:
    """Contract 2: a device token names its client, its kind and what it is bound to."""
    return Grant(
        subject=f"device:{client_id}",
        role="device",
        stations=[station_id],
        scope=domain.scopes_for("device", kind),
        ttl_seconds=settings.device_token_ttl_seconds,
        extra_claims={"client_id": client_id, "device_kind": kind, "device_binding": binding},
    )


def issue_access_token(
    keyring: KeyRing,
    *,
    issuer: str,
    audience: str,
    grant: Grant,
    session_id: str | None = None,
) -> str:
    """An `at+jwt` signed with the newest key; `sid` names the sign-in it was refreshed from, if any."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": grant.subject,
        "role": grant.role,
        "stations": grant.stations,
        "scope": grant.scope,
        "iat": now,
        "nbf": now,
        "exp": now + grant.ttl_seconds,
        "jti": uuid.uuid4().hex,
        **grant.extra_claims,
    }
    if session_id is not None:
        claims["sid"] = session_id
    key = keyring.signing_key
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, "typ": "at+jwt"})


def new_opaque_token() -> str:
    """256 random bits, URL-safe: refresh tokens and device codes."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What is stored instead of the token. Plain SHA-256 suffices: the token has 256 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()
