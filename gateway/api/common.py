"""What the gateway's own routes share: the runtime, the caller, throttles, identifiers."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway import domain
from gateway.clients import client_ip
from gateway.grants import OAuthError
from gateway.runtime import GatewayRuntime
from gateway.settings import RateLimit
from kernel.auth import Principal
from kernel.errors import TooManyRequests, Unauthorized
from kernel.openapi import RATE_LIMITED, declares

# What the routes below answer besides what their shape says (kernel/openapi.py derives that).
STORE_DOWN = "`auth-store-unavailable`: codes and pairings cannot be checked for a moment (`Retry-After`)."
NOT_ITS_OPERATOR = "`forbidden`: the token is not an operator's of the device's station."
UNKNOWN_DEVICE = "`unknown-device`: no device client with this id."
UNKNOWN_ACCOUNT = "`unknown-account`: no staff account with this username."
OWN_ACCOUNT = "`conflict`: an admin cannot disable, demote or delete their own account."

# Identifiers as the gateway writes them; anything else (control characters, NUL that PostgreSQL
# refuses) is a 422 before it reaches a query.
IDENTIFIER = r"^[A-Za-z0-9._:@-]+$"
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
ClientIdPath = Annotated[
    str, Path(max_length=100, pattern=IDENTIFIER, examples=["screen-saint-denis-pleyel-hall"])
]
UsernamePath = Annotated[str, Path(max_length=100, pattern=IDENTIFIER)]


def get_gateway(request: Request) -> GatewayRuntime:
    return request.app.state.gateway


GatewayDep = Annotated[GatewayRuntime, Depends(get_gateway)]
_bearer = HTTPBearer(auto_error=False, description="Access token from POST /auth/token")


async def get_caller(
    gateway: GatewayDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized("This operation needs a bearer token.")
    return await gateway.verifier.verify(credentials.credentials)


CallerDep = Annotated[Principal, Depends(get_caller)]


async def throttle(gateway: GatewayRuntime, group: str, limit: RateLimit, who: str) -> None:
    decision = await gateway.limiter.check(
        domain.rate_key("auth", group, who), per_second=limit.per_second, burst=limit.burst
    )
    if not decision.allowed:
        raise TooManyRequests(
            "Too many attempts; wait before trying again.",
            headers={"Retry-After": str(decision.retry_after_seconds)},
        )


def caller_address(request: Request, gateway: GatewayRuntime) -> str:
    return f"ip:{client_ip(request, gateway.settings.trusted_proxies)}"


@declares({429: RATE_LIMITED})
async def limit_auth_attempts(request: Request, gateway: GatewayDep) -> None:
    """Per-address throttle on sign-in and code requests: guessing passwords or codes stays slow."""
    await throttle(
        gateway, request.url.path, gateway.settings.rate_limit_auth, caller_address(request, gateway)
    )


def base_url(gateway: GatewayRuntime) -> str:
    """Where clients reach the gateway: from its settings, never from the request's Host."""
    return gateway.settings.public_base_url


def basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401) from exc
    if not re.fullmatch(PRINTABLE, client_id):
        raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401)
    return client_id, secret


def user_agent_of(request: Request) -> str | None:
    return request.headers.get("user-agent")
