"""The gateway's rules, without I/O: which rate a request pays, what a token grants.

Where a path goes and what it may do there is in gateway/routing.py."""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from typing import Literal

from kernel.auth import Role
from kernel.fields import normalize_phone_number as normalize_phone_number  # one rule, the kernel's

SAFE_METHODS = frozenset({"GET", "HEAD"})


RateClass = Literal["anonymous", "authenticated", "write", "static", "auth"]
# The classes a request pays at the edge (`auth` is paid besides, by the sign-in routes).
EDGE_RATE_CLASSES: tuple[RateClass, ...] = ("anonymous", "authenticated", "write", "static")
# The static web clients the gateway serves (gateway/web.py); a page loads dozens of files at once.
WEB_CLIENTS = ("app", "kiosk", "player", "console", "common")
# Reads in the static class: the web clients' files, the docs, and the probes (a health check must
# not be refused because an earlier one, timed out by a loaded prober, spent the bucket).
STATIC_GROUPS = frozenset({*WEB_CLIENTS, "docs", "healthz", "readyz", "metrics"})


def rate_class(method: str, *, authenticated: bool) -> RateClass:
    if method not in SAFE_METHODS:
        return "write"
    return "authenticated" if authenticated else "anonymous"


def _first_segment(path: str) -> str:
    return path.lstrip("/").split("/", 1)[0]


def own_route_group(path: str) -> str:
    """The rate-limit group of a route the gateway serves itself: its first path segment, apart from
    the services' groups (`own:auth`, `own:api`, `own:player`, `own:healthz`...)."""
    return f"own:{_first_segment(path) or 'root'}"


def own_rate_class(method: str, path: str, *, authenticated: bool) -> RateClass:
    """The gateway's own routes: the web clients' files, the docs and the probes in the static class,
    the rest as the proxied routes."""
    if method in SAFE_METHODS and _first_segment(path) in STATIC_GROUPS:
        return "static"
    return rate_class(method, authenticated=authenticated)


def rate_key(rate: RateClass, group: str, client: str) -> str:
    """One bucket per client and route group, e.g. `rl:anonymous:mobility:ip:10.0.0.7`."""
    return f"rl:{rate}:{group}:{client}"


# Counters of guesses at one secret (kernel/attempts.py), whatever the address.
def account_attempts_key(username: str) -> str:
    return f"account:{username}"


def client_attempts_key(client_id: str) -> str:
    return f"client:{client_id}"


# Contract 2: roles and device kinds decide the scopes, here and nowhere else; services check scopes.
ROLE_SCOPES: dict[Role, tuple[str, ...]] = {
    "traveller": ("parcels:collect", "parcels:send"),
    "courier": ("parcels:deposit", "lockers:read"),
    "operator": ("station:operate",),
    "admin": ("station:operate", "network:admin"),
    "culture": ("network:culture",),
    "device": (),
}
DeviceKind = Literal["screen", "kiosk", "locker_controller", "mobility_feed"]
DEVICE_KIND_SCOPES: dict[DeviceKind, tuple[str, ...]] = {
    "screen": ("signage:play",),
    "kiosk": ("kiosk:display",),
    "locker_controller": ("lockers:control",),
    "mobility_feed": ("mobility:report",),
}
STAFF_ROLES: frozenset[Role] = frozenset({"operator", "courier", "admin", "culture"})
# Roles that work across the whole network, not at some stations.
NETWORK_ROLES: frozenset[str] = frozenset({"admin", "culture"})
OPERATE_SCOPE = "station:operate"
ADMIN_SCOPE = "network:admin"


def scopes_for(role: Role, device_kind: str | None = None) -> str:
    scopes = ROLE_SCOPES[role]
    if role == "device" and device_kind in DEVICE_KIND_SCOPES:
        scopes += DEVICE_KIND_SCOPES[device_kind]
    return " ".join(scopes)


def all_scopes() -> list[str]:
    """Every scope the gateway can grant (the metadata document lists them)."""
    found = [s for scopes in (*ROLE_SCOPES.values(), *DEVICE_KIND_SCOPES.values()) for s in scopes]
    return sorted(set(found))


def narrow_scope(granted: str, requested: str | None) -> str | None:
    """RFC 6749 §3.3: a client may ask for less than it is granted, never more (None: refused)."""
    if requested is None or not requested.strip():
        return granted
    allowed, asked = granted.split(), requested.split()
    if not set(asked) <= set(allowed):
        return None
    return " ".join(s for s in allowed if s in asked)


def intersect_scopes(current: str, granted_at_sign_in: str) -> str:
    """At refresh: what the role gives today, never more than the sign-in was granted."""
    kept = set(granted_at_sign_in.split())
    return " ".join(s for s in current.split() if s in kept)


# -- devices: what a device is bound to, and how a paired one is named ---------------------------

# What `device_binding` names for each kind: a screen code (screens and kiosks show a screen), a
# locker bank code, a vehicle-sharing system id.
BINDING_PATTERNS: dict[DeviceKind, str] = {
    "screen": r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "kiosk": r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "locker_controller": r"^[A-Z0-9]{1,8}$",
    "mobility_feed": r"^[A-Za-z0-9._-]+$",
}
BINDING_MAX_LENGTH = 64
BINDING_EXAMPLES: dict[DeviceKind, str] = {
    "screen": "hall",
    "kiosk": "entrance",
    "locker_controller": "A",
    "mobility_feed": "velib-metropole",
}
# Kinds an operator may pair with a code shown by the device; feeds are server integrations.
PAIRABLE_KINDS: tuple[DeviceKind, ...] = ("screen", "kiosk", "locker_controller")
_CLIENT_ID_PREFIX: dict[DeviceKind, str] = {
    "screen": "screen",
    "kiosk": "kiosk",
    "locker_controller": "lockers",
    "mobility_feed": "mobility-feed",
}
CLIENT_ID_MAX_LENGTH = 100


def binding_problem(kind: DeviceKind, binding: str) -> str | None:
    """Why `binding` cannot name what a device of this kind serves, or None when it can."""
    if not 1 <= len(binding) <= BINDING_MAX_LENGTH or not re.match(BINDING_PATTERNS[kind], binding):
        return (
            f"a {kind} is bound to a code like {BINDING_EXAMPLES[kind]!r} (pattern {BINDING_PATTERNS[kind]})"
        )
    return None


def paired_client_id(kind: DeviceKind, station_id: str, binding: str, suffix: str) -> str:
    """`screen-<station>-<binding>-<suffix>`: readable in logs, unique by its random suffix."""
    middle = (
        f"{station_id}-bank-{binding.lower()}" if kind == "locker_controller" else f"{station_id}-{binding}"
    )
    stem = f"{_CLIENT_ID_PREFIX[kind]}-{middle}"
    stem = stem[: CLIENT_ID_MAX_LENGTH - len(suffix) - 1].rstrip("-._")
    return f"{stem}-{suffix}"


# -- pairing codes (RFC 8628 §6.1): short, typed by a person, hard to guess --------------------

# Base-20 consonants: no vowels (no words), no digits (no 0/O, 1/I); 20^8 ≈ 2.6e10 codes.
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
USER_CODE_LENGTH = 8


def new_user_code() -> str:
    return "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))


def format_user_code(code: str) -> str:
    half = USER_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalize_user_code(raw: str) -> str | None:
    """What a person typed (any case, spaces or dashes) as the stored code, or None if it cannot be one."""
    compact = re.sub(r"[\s\-]", "", raw).upper()
    if len(compact) != USER_CODE_LENGTH or any(c not in USER_CODE_ALPHABET for c in compact):
        return None
    return compact


# -- refresh tokens: one family per sign-in, each use rotates ------------------------------------

RefreshVerdict = Literal["valid", "reused", "revoked", "expired"]


def refresh_verdict(
    *,
    spent_at: datetime | None,
    token_expires_at: datetime,
    session_revoked_at: datetime | None,
    session_expires_at: datetime,
    now: datetime,
) -> RefreshVerdict:
    """What a presented refresh token is worth. A spent one means two holders (RFC 6749 §10.4):
    the family is revoked, even when that token has expired since."""
    if session_revoked_at is not None:
        return "revoked"
    if spent_at is not None:
        return "reused"
    if now >= token_expires_at or now >= session_expires_at:
        return "expired"
    return "valid"


def refresh_token_expiry(*, now: datetime, idle_seconds: int, session_expires_at: datetime) -> datetime:
    """A refresh token lives for the idle lifetime, never past the sign-in's absolute lifetime."""
    return min(now + timedelta(seconds=idle_seconds), session_expires_at)
