"""The offline unlock token: what a locker controller checks without the network, and what the
parcel lockers service signs (`services/parcel_lockers/unlock.py`). One definition for both ends.

An unlock token is an EdDSA JWT bound to one parcel, compartment, bank and station; it lives a few
minutes and carries a `jti` that the service and the controller each accept once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jwt

ISSUER = "urn:gare-numerique:parcel_lockers"
TOKEN_PURPOSE = "unlock"


def audience(station_id: str, bank_code: str) -> str:
    """A token opens doors of one bank of one station only."""
    return f"urn:gare-numerique:locker:{station_id}:{bank_code}"


class UnlockTokenInvalid(Exception):
    """Why a token was refused (expired, forged, for another bank...): said to the caller as is."""


@dataclass(frozen=True)
class UnlockClaims:
    jti: str
    parcel_id: str
    compartment: str
    bank_code: str
    station_id: str
    expires_at: int


def verify_unlock_token(
    token: str, public_key: Any, *, station_id: str, bank_code: str, leeway: int = 5
) -> UnlockClaims:
    """Check a token as a controller does: signature, expiry, issuer, and this bank of this station."""
    try:
        body = jwt.decode(
            token,
            key=public_key,
            algorithms=["EdDSA"],
            audience=audience(station_id, bank_code),
            issuer=ISSUER,
            leeway=leeway,
            options={"require": ["exp", "iat", "sub", "aud", "iss", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise UnlockTokenInvalid("the unlock token has expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise UnlockTokenInvalid("the unlock token is for another locker bank or station") from exc
    except jwt.PyJWTError as exc:
        raise UnlockTokenInvalid(f"the unlock token is not valid: {exc}") from exc
    if body.get("pur") != TOKEN_PURPOSE or not isinstance(body.get("cmp"), str):
        raise UnlockTokenInvalid("the token is not an unlock token")
    return UnlockClaims(
        jti=str(body["jti"]),
        parcel_id=str(body["sub"]),
        compartment=str(body["cmp"]),
        bank_code=bank_code,
        station_id=station_id,
        expires_at=int(body["exp"]),
    )
