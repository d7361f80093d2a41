"""The gateway's rules, without I/O: which rate a request pays, what a token grants.

Where a path goes and what it may do there is in gateway/routing.py."""

from __future__ import annotations

import re
from typing import Literal

from services.common.auth import Role

SAFE_METHODS = frozenset({"GET", "HEAD"})


RateClass = Literal["anonymous", "authenticated", "write", "auth"]


def rate_class(method: str, *, authenticated: bool) -> RateClass:
    if method not in SAFE_METHODS:
        return "write"
    return "authenticated" if authenticated else "anonymous"


def rate_key(rate: RateClass, group: str, client: str) -> str:
    """One bucket per client and route group, e.g. `rl:anonymous:mobility:ip:10.0.0.7`."""
    return f"rl:{rate}:{group}:{client}"


ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    "traveller": ("parcels:collect", "profile"),
    "courier": ("parcels:deposit", "lockers:read"),
    "operator": ("station:operate",),
    "admin": ("station:operate", "network:admin"),
    "device": (),
}
DEVICE_KINDS = {
    "screen": ("signage:play",),
    "kiosk": ("kiosk:display",),
    "locker_controller": ("lockers:control",),
    "mobility_feed": ("mobility:report",),
}
STAFF_ROLES: frozenset[Role] = frozenset({"operator", "courier", "admin"})


def scopes_for(role: Role, device_kind: str | None = None) -> str:
    scopes = ROLE_SCOPES[role] + (DEVICE_KINDS.get(device_kind or "", ()) if role == "device" else ())
    return " ".join(scopes)


_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


def normalize_phone_number(raw: str) -> str | None:
    """E.164, accepting the spaces, dots and dashes people type; a French 0X number becomes +33X."""
    compact = re.sub(r"[\s.\-()]", "", raw)
    if re.fullmatch(r"0[1-9][0-9]{8}", compact):
        compact = "+33" + compact[1:]
    return compact if _E164.match(compact) else None
