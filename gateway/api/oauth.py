"""The OAuth 2.0 authorization server: token, revocation, device authorization and its QR code,
metadata, JWKS, and sign-in codes sent to a phone. `grants` does the work."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import JSONResponse

from gateway import domain, grants, sessions
from gateway.api.common import (
    PRINTABLE,
    STORE_DOWN,
    GatewayDep,
    base_url,
    basic_credentials,
    caller_address,
    limit_auth_attempts,
    throttle,
    user_agent_of,
)
from gateway.grants import NO_STORE, OAuthError, needs_redis
from gateway.otp import CODE_DIGITS, TooManyCodes
from gateway.schemas import (
    GRANT_CLIENT_CREDENTIALS,
    GRANT_DEVICE_CODE,
    GRANT_PASSWORD,
    GRANT_PHONE_OTP,
    GRANT_REFRESH_TOKEN,
    GRANT_TYPES,
    AuthorizationServerMetadata,
    DeviceAuthorizationResponse,
    OtpRequest,
    OtpSent,
    TokenResponse,
)
from kernel.db import utcnow
from kernel.errors import InvalidInput, Problem, TooManyRequests
from kernel.notifier import MessageRejected, NotifierError
from kernel.openapi import RATE_LIMITED, problem_responses
from kernel.qr import SVG, qr_svg

router = APIRouter(tags=["auth"])

# -- OAuth 2.0 ----------------------------------------------------------------------------------


@router.post(
    "/auth/token",
    summary="OAuth 2.0 token endpoint: password, phone code, client credentials, refresh token, device code",
    response_model=TokenResponse,
    responses={
        400: {"description": "OAuth 2.0 error (`error` member)"},
        401: {"description": "Bad client"},
        **problem_responses({429: RATE_LIMITED, 503: STORE_DOWN}),
    },
)
async def token(
    request: Request,
    gateway: GatewayDep,
    grant_type: Annotated[str | None, Form(max_length=100)] = None,
    username: Annotated[str | None, Form(max_length=100, pattern=PRINTABLE)] = None,
    password: Annotated[str | None, Form(max_length=200)] = None,
    client_id: Annotated[str | None, Form(max_length=100, pattern=PRINTABLE)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    phone_number: Annotated[str | None, Form(max_length=32)] = None,
    code: Annotated[str | None, Form(max_length=12)] = None,
    refresh_token: Annotated[str | None, Form(max_length=200)] = None,
    device_code: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=500)] = None,
) -> JSONResponse:
    if not grant_type:
        raise OAuthError("invalid_request", "`grant_type` is missing.")
    settings = gateway.settings
    # Secrets a person chose or a code they typed are throttled hard; 256-bit tokens need not be.
    guessable = grant_type not in (GRANT_REFRESH_TOKEN, GRANT_DEVICE_CODE)
    limit = settings.rate_limit_auth if guessable else settings.rate_limit_refresh
    group = grant_type if grant_type in GRANT_TYPES else "other"
    await throttle(gateway, f"/auth/token:{group}", limit, caller_address(request, gateway))
    user_agent = user_agent_of(request)
    if grant_type == GRANT_PASSWORD:
        if not username or not password:
            raise OAuthError("invalid_request", "The password grant needs `username` and `password`.")
        body = await grants.password_grant(
            gateway, username=username, password=password, scope=scope, user_agent=user_agent
        )
    elif grant_type == GRANT_CLIENT_CREDENTIALS:
        basic = basic_credentials(request)
        if basic:
            client_id, client_secret = basic
        if not client_id or not client_secret:
            raise OAuthError("invalid_client", "Client credentials are missing.", status=401)
        body = await grants.client_credentials_grant(
            gateway, client_id=client_id, client_secret=client_secret, scope=scope
        )
    elif grant_type == GRANT_PHONE_OTP:
        body = await grants.phone_code_grant(
            gateway, phone_number=phone_number, code=code, scope=scope, user_agent=user_agent
        )
    elif grant_type == GRANT_REFRESH_TOKEN:
        body = await grants.refresh_token_grant(
            gateway, refresh_token=refresh_token, client_id=client_id, scope=scope
        )
    elif grant_type == GRANT_DEVICE_CODE:
        body = await grants.device_code_grant(gateway, device_code=device_code, user_agent=user_agent)
    else:
        raise OAuthError("unsupported_grant_type", f"Grant type {grant_type!r} is not supported.")
    return JSONResponse(body.model_dump(exclude_none=True), headers=NO_STORE)


@router.post(
    "/auth/revoke",
    summary="Revoke a refresh token, or the sign-in of an access token (RFC 7009)",
    response_class=Response,  # an empty 200: no body to describe
    responses={
        200: {"description": "Revoked, or the token was not valid anyway (RFC 7009 §2.2)"},
        **problem_responses({429: RATE_LIMITED}),
    },
)
async def revoke(
    request: Request,
    gateway: GatewayDep,
    token: Annotated[str | None, Form(max_length=4096)] = None,
    token_type_hint: Annotated[str | None, Form(max_length=40)] = None,
) -> Response:
    if not token:
        raise OAuthError("invalid_request", "`token` is missing.")
    await throttle(
        gateway, "/auth/revoke", gateway.settings.rate_limit_refresh, caller_address(request, gateway)
    )
    now = utcnow()
    async with gateway.sessionmaker() as db:
        if token.count(".") == 2:
            # An access token cannot be recalled, but the sign-in it came from can end: no refresh.
            try:
                principal = await gateway.verifier.verify(token)
            except Problem:
                principal = None  # RFC 7009 §2.2: an invalid token is answered 200 too
            if principal is not None:
                await sessions.end_of(db, principal, reason="revoked", now=now)
        else:
            await sessions.revoke_by_token(db, token=token, now=now)
        await db.commit()
    return Response(status_code=200, headers=NO_STORE)


@router.post(
    "/auth/device_authorization",
    summary="Start pairing a screen, kiosk or locker controller (RFC 8628 device authorization)",
    response_model=DeviceAuthorizationResponse,
    dependencies=[Depends(limit_auth_attempts)],
    responses=problem_responses({503: STORE_DOWN}),
)
async def device_authorization(
    gateway: GatewayDep,
    client_id: Annotated[
        str | None, Form(max_length=100, description="The player software, if it names itself")
    ] = None,
    scope: Annotated[str | None, Form(max_length=200, description="e.g. `signage:play` for a screen")] = None,
) -> JSONResponse:
    device_scopes = {s for kind in domain.PAIRABLE_KINDS for s in domain.DEVICE_KIND_SCOPES[kind]}
    if scope and not set(scope.split()) <= device_scopes:
        raise OAuthError("invalid_scope", f"A paired device may ask for: {' '.join(sorted(device_scopes))}.")
    async with needs_redis("Device pairing"):
        started = await gateway.pairing.start(scope=scope)
    user_code = domain.format_user_code(started.user_code)
    verification_uri = base_url(gateway) + gateway.settings.pairing_verification_path
    body = DeviceAuthorizationResponse(
        device_code=started.device_code,
        user_code=user_code,
        verification_uri=verification_uri,
        verification_uri_complete=_verification_uri_complete(verification_uri, user_code),
        expires_in=started.expires_in,
        interval=started.interval,
    )
    return JSONResponse(body.model_dump(), headers=NO_STORE)


def _verification_uri_complete(verification_uri: str, user_code: str) -> str:
    return f"{verification_uri}?user_code={quote(user_code)}"


@router.get(
    "/auth/device_authorization/qr",
    response_class=Response,
    summary="A QR code of the pairing page with the code filled in (verification_uri_complete)",
    responses={
        200: {"content": {SVG: {}}, "description": "An operator's phone opens the pairing page"},
        **problem_responses({422: "Not a pairing code (8 letters, e.g. BCDF-GHJK)."}),
    },
)
async def device_authorization_qr(
    gateway: GatewayDep,
    user_code: Annotated[str, Query(max_length=20, description="The code the device shows, e.g. BCDF-GHJK")],
) -> Response:
    # Any well-formed code draws the same link the device was given: it says nothing of which codes wait.
    compact = domain.normalize_user_code(user_code)
    if compact is None:
        raise InvalidInput(
            "Not a pairing code.",
            errors=[{"in": "query", "field": "user_code", "detail": "8 letters, e.g. BCDF-GHJK"}],
        )
    verification_uri = base_url(gateway) + gateway.settings.pairing_verification_path
    link = _verification_uri_complete(verification_uri, domain.format_user_code(compact))
    return Response(
        qr_svg(link), media_type=SVG, headers={"Cache-Control": "no-store", "X-Pairing-Link": link}
    )


@router.get(
    "/.well-known/oauth-authorization-server",
    summary="OAuth 2.0 authorization server metadata (RFC 8414)",
    response_model=AuthorizationServerMetadata,
)
async def metadata(gateway: GatewayDep) -> JSONResponse:
    base = base_url(gateway)
    body = AuthorizationServerMetadata(
        issuer=gateway.settings.issuer,
        token_endpoint=f"{base}/auth/token",
        revocation_endpoint=f"{base}/auth/revoke",
        device_authorization_endpoint=f"{base}/auth/device_authorization",
        jwks_uri=f"{base}/.well-known/jwks.json",
        grant_types_supported=GRANT_TYPES,
        # No authorization endpoint (no browser redirects): `none` (OAuth 2.0 Multiple Response
        # Types) says nothing is issued there; RFC 8414 requires the member to list something.
        response_types_supported=["none"],
        scopes_supported=domain.all_scopes(),
        token_endpoint_auth_methods_supported=["client_secret_basic", "client_secret_post", "none"],
        revocation_endpoint_auth_methods_supported=["none"],
        service_documentation=f"{base}/docs",
        phone_code_endpoint=f"{base}/auth/otp",
    )
    return JSONResponse(body.model_dump(), headers={"Cache-Control": "public, max-age=300"})


@router.get("/.well-known/jwks.json", summary="Public keys that verify the gateway's tokens")
async def jwks(gateway: GatewayDep) -> JSONResponse:
    return JSONResponse(gateway.keyring.jwks(), headers={"Cache-Control": "public, max-age=60"})


@router.post(
    "/auth/otp",
    status_code=202,
    summary="Send a one-time sign-in code to a traveller's phone",
    dependencies=[Depends(limit_auth_attempts)],
    responses=problem_responses(
        {
            422: "`sms-refused`: the text-message provider refused this number for good.",
            503: [STORE_DOWN, "`notifier-unavailable`: the text-message provider is away (`Retry-After`)."],
        }
    ),
)
async def send_code(otp_request: OtpRequest, request: Request, gateway: GatewayDep) -> OtpSent:
    number = domain.normalize_phone_number(otp_request.phone_number)
    if number is None:
        raise Problem(
            "Not a phone number; use the international form, e.g. +33612345678.",
            status=422,
            slug="validation-error",
            errors=[{"in": "body", "field": "phone_number", "detail": "not an E.164 phone number"}],
        )
    try:
        async with needs_redis("Sign-in by phone code"):
            sent = await gateway.otp.issue(number)
    except TooManyCodes as exc:
        raise TooManyRequests(
            "Too many codes sent to this number; wait a few minutes.", headers={"Retry-After": "600"}
        ) from exc
    text = f"Gare numérique : votre code est {sent.code}. Il expire dans {sent.expires_in // 60} minutes."
    if gateway.settings.public_url:
        # WebOTP (origin-bound one-time codes): the web app can fill the code in by itself.
        text += f"\n\n@{urlsplit(gateway.settings.public_url).hostname} #{sent.code}"
    try:
        await gateway.notifier.send_sms(number, text)
    except MessageRejected as exc:
        raise Problem(
            "The text-message provider refused this number.", status=422, slug="sms-refused"
        ) from exc
    except NotifierError as exc:
        raise Problem(
            "The code could not be sent right now; try again in a minute.",
            status=503,
            slug="notifier-unavailable",
            headers={"Retry-After": "30"},
        ) from exc
    return OtpSent(phone_number=number, expires_in=sent.expires_in, code_digits=CODE_DIGITS)
