"""The gateway's own routes: token issuer, JWKS, one-time codes, development inbox."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import JSONResponse

from gateway import accounts, domain
from gateway.clients import client_ip
from gateway.otp import CODE_DIGITS, TooManyCodes
from gateway.runtime import GatewayRuntime
from gateway.schemas import (
    GRANT_CLIENT_CREDENTIALS,
    GRANT_PASSWORD,
    GRANT_PHONE_OTP,
    NotifierMessage,
    OtpRequest,
    OtpSent,
    TokenResponse,
)
from gateway.tokens import issue_access_token
from services.common.errors import NotFound, Problem, TooManyRequests
from services.common.openapi import RATE_LIMITED, declares

router = APIRouter(tags=["auth"])
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def get_gateway(request: Request) -> GatewayRuntime:
    return request.app.state.gateway


GatewayDep = Annotated[GatewayRuntime, Depends(get_gateway)]


class OAuthError(Problem):
    """RFC 6749 §5.2 errors, as problem+json with the OAuth `error` member kept for OAuth clients."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        headers = {"WWW-Authenticate": 'Basic realm="gare-numerique"'} if status == 401 else None
        super().__init__(
            description,
            status=status,
            slug=f"oauth-{error.replace('_', '-')}",
            headers={**NO_STORE, **(headers or {})},
            extensions={"error": error, "error_description": description},
        )


@declares({429: RATE_LIMITED})
async def limit_auth_attempts(request: Request, gateway: GatewayDep) -> None:
    """Per-address throttle on sign-in and code requests: guessing passwords or codes stays slow."""
    ip = client_ip(request, gateway.settings.trusted_proxies)
    limit = gateway.settings.rate_limit_auth
    decision = await gateway.limiter.check(
        domain.rate_key("auth", request.url.path, f"ip:{ip}"), per_second=limit.per_second, burst=limit.burst
    )
    if not decision.allowed:
        raise TooManyRequests(
            "Too many attempts; wait before trying again.",
            headers={"Retry-After": str(decision.retry_after_seconds)},
        )


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise OAuthError("invalid_client", "Malformed Basic credentials.", status=401) from exc
    return client_id, secret


@router.post(
    "/auth/token",
    summary="OAuth2 token endpoint: password, client_credentials, phone one-time code",
    dependencies=[Depends(limit_auth_attempts)],
    responses={400: {"description": "OAuth2 error"}, 401: {"description": "Bad client credentials"}},
)
async def token(
    request: Request,
    gateway: GatewayDep,
    grant_type: Annotated[str | None, Form(max_length=100)] = None,
    username: Annotated[str | None, Form(max_length=100)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    phone_number: Annotated[str | None, Form(max_length=32)] = None,
    code: Annotated[str | None, Form(max_length=12)] = None,
) -> JSONResponse:
    if not grant_type:
        raise OAuthError("invalid_request", "`grant_type` is missing.")
    settings = gateway.settings
    issue = {"issuer": settings.token_issuer, "audience": settings.token_audience}
    if grant_type == GRANT_PASSWORD:
        if not username or not password:
            raise OAuthError("invalid_request", "The password grant needs `username` and `password`.")
        async with gateway.sessionmaker() as session:
            account = await accounts.verify_password(session=session, username=username, password=password)
        if account is None or account.role not in domain.STAFF_ROLES:
            raise OAuthError("invalid_grant", "Unknown user or wrong password.")
        ttl = settings.staff_token_ttl_seconds
        scope = domain.scopes_for(account.role)  # type: ignore[arg-type]
        access = issue_access_token(
            gateway.keyring,
            **issue,
            subject=f"{account.role}:{account.username}",
            role=account.role,  # type: ignore[arg-type]
            stations="*" if account.role == "admin" else account.stations,
            scope=scope,
            ttl_seconds=ttl,
        )
    elif grant_type == GRANT_CLIENT_CREDENTIALS:
        basic = _basic_credentials(request)
        if basic:
            client_id, client_secret = basic
        if not client_id or not client_secret:
            raise OAuthError("invalid_client", "Client credentials are missing.", status=401)
        async with gateway.sessionmaker() as session:
            device = await accounts.verify_device(
                session=session, client_id=client_id, client_secret=client_secret
            )
        if device is None:
            raise OAuthError("invalid_client", "Unknown client or wrong secret.", status=401)
        ttl = settings.device_token_ttl_seconds
        scope = domain.scopes_for("device", device.kind)
        access = issue_access_token(
            gateway.keyring,
            **issue,
            subject=f"device:{device.client_id}",
            role="device",
            stations=[device.station_id],
            scope=scope,
            ttl_seconds=ttl,
            extra_claims={"client_id": device.client_id, "device_kind": device.kind},
        )
    elif grant_type == GRANT_PHONE_OTP:
        number = domain.normalize_phone_number(phone_number or "")
        if number is None or not code:
            raise OAuthError("invalid_request", "This grant needs `phone_number` (E.164) and `code`.")
        if not await gateway.otp.redeem(number, code.strip()):
            raise OAuthError("invalid_grant", "The code is wrong or has expired; ask for a new one.")
        ttl = settings.traveller_token_ttl_seconds
        scope = domain.scopes_for("traveller")
        access = issue_access_token(
            gateway.keyring,
            **issue,
            subject=gateway.otp.subject_for(number),
            role="traveller",
            stations="*",
            scope=scope,
            ttl_seconds=ttl,
            extra_claims={"phone_number": number},
        )
    else:
        raise OAuthError("unsupported_grant_type", f"Grant type {grant_type!r} is not supported.")
    body = TokenResponse(access_token=access, expires_in=ttl, scope=scope)
    return JSONResponse(body.model_dump(), headers=NO_STORE)


@router.post(
    "/auth/otp",
    status_code=202,
    summary="Send a one-time sign-in code to a traveller's phone",
    dependencies=[Depends(limit_auth_attempts)],
)
async def send_code(otp_request: OtpRequest, gateway: GatewayDep) -> OtpSent:
    number = domain.normalize_phone_number(otp_request.phone_number)
    if number is None:
        raise Problem(
            "Not a phone number; use the international form, e.g. +33612345678.",
            status=422,
            slug="validation-error",
            errors=[{"in": "body", "field": "phone_number", "detail": "not an E.164 phone number"}],
        )
    try:
        sent = await gateway.otp.issue(number)
    except TooManyCodes as exc:
        raise TooManyRequests(
            "Too many codes sent to this number; wait a few minutes.", headers={"Retry-After": "600"}
        ) from exc
    await gateway.notifier.send_sms(
        number,
        f"Gare numérique : votre code est {sent.code}. Il expire dans {sent.expires_in // 60} minutes.",
    )
    return OtpSent(phone_number=number, expires_in=sent.expires_in, code_digits=CODE_DIGITS)


@router.get("/.well-known/jwks.json", summary="Public keys that verify the gateway's tokens")
async def jwks(gateway: GatewayDep) -> JSONResponse:
    return JSONResponse(gateway.keyring.jwks(), headers={"Cache-Control": "public, max-age=60"})


dev_router = APIRouter(tags=["development"])


@dev_router.get(
    "/dev/notifier/messages",
    summary="Messages the embedded notifier would have sent (development only)",
)
async def notifier_messages(
    gateway: GatewayDep,
    to: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NotifierMessage]:
    if not gateway.settings.dev_notifier_inbox:
        raise NotFound("No development inbox in this deployment.")
    number = domain.normalize_phone_number(to) if to else None
    messages: list[dict[str, Any]] = await gateway.notifier.messages(to=number or to, limit=limit)
    return [NotifierMessage(**m) for m in messages]
