"""Minting access tokens."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from gateway.keys import KeyRing
from services.common.auth import Role


def issue_access_token(
    keyring: KeyRing,
    *,
    issuer: str,
    audience: str,
    subject: str,
    role: Role,
    stations: list[str] | str,
    scope: str,
    ttl_seconds: int,
    extra_claims: dict[str, Any] | None = None,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "role": role,
        "stations": stations,
        "scope": scope,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
        **(extra_claims or {}),
    }
    key = keyring.signing_key
    return jwt.encode(claims, key.private_key, algorithm="EdDSA", headers={"kid": key.kid, "typ": "at+jwt"})
