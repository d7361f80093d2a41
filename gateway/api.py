"""The gateway's own routes: the OAuth 2.0 authorization server (token, revocation, device
authorization, metadata, JWKS), sign-in codes, the caller's sign-ins, a station's devices, staff
accounts, and the development inbox. Routes stay thin: `grants`, `devices`, `accounts` do the work."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway import accounts, devices, domain, grants, sessions
from gateway.clients import client_ip
from gateway.grants import NO_STORE, OAuthError, needs_redis
from gateway.models import Account, AuthSession, DeviceClient
from gateway.otp import CODE_DIGITS, TooManyCodes
from gateway.runtime import GatewayRuntime
from gateway.schemas import (
    GRANT_CLIENT_CREDENTIALS,
    GRANT_DEVICE_CODE,
    GRANT_PASSWORD,
    GRANT_PHONE_OTP,
    GRANT_REFRESH_TOKEN,
    GRANT_TYPES,
    AccountCreate,
    AccountPage,
    AccountPublic,
    AccountUpdate,
    AuthorizationServerMetadata,
    DeviceAuthorizationResponse,
    DeviceClaim,
    DeviceDenial,
    DevicePage,
    DevicePublic,
    DeviceUpdate,
    NotifierMessage,
    OtpRequest,
    OtpSent,
    SessionPublic,
    TokenResponse,
)
from gateway.settings import RateLimit
from kernel.auth import Principal
from kernel.db import utcnow
from kernel.errors import Forbidden, InvalidInput, NotFound, Problem, TooManyRequests, Unauthorized
from kernel.notifier import MessageRejected, NotifierError, RedisInboxNotifier
from kernel.openapi import FORBIDDEN, RATE_LIMITED, declares, problem_responses
from kernel.qr import SVG, qr_svg
from kernel.stations import StationSlug

router = APIRouter(tags=["auth"])
# What the routes below answer besides what their shape says (kernel/openapi.py derives that).
STORE_DOWN = "`auth-store-unavailable`: codes and pairings cannot be checked for a moment (`Retry-After`)."
NOT_ITS_OPERATOR = "`forbidden`: the token is not an operator's of the device's station."
UNKNOWN_DEVICE = "`unknown-device`: no device client with this id."
UNKNOWN_ACCOUNT = "`unknown-account`: no staff account with this username."
OWN_ACCOUNT = "`conflict`: an admin cannot disable, demote or delete their own account."
devices_router = APIRouter(prefix="/auth/devices", tags=["devices"])
accounts_router = APIRouter(prefix="/auth/accounts", tags=["accounts"])
dev_router = APIRouter(tags=["development"])

PAGE_LIMIT = Annotated[int, Query(ge=1, le=200, description="Items per page")]
# Identifiers as the gateway writes them; anything else (control characters, NUL that PostgreSQL
# refuses) is a 422 before it reaches a query.
IDENTIFIER = r"^[A-Za-z0-9._:@-]+$"
PRINTABLE = r"^[^\x00-\x1f\x7f]*$"
CURSOR = Annotated[
    str | None, Query(max_length=100, pattern=IDENTIFIER, description="`next_cursor` of the previous page")
]
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


async def _throttle(gateway: GatewayRuntime, group: str, limit: RateLimit, who: str) -> None:
    decision = await gateway.limiter.check(
        domain.rate_key("auth", group, who), per_second=limit.per_second, burst=limit.burst
    )
    if not decision.allowed:
        raise TooManyRequests(
            "Too many attempts; wait before trying again.",
            headers={"Retry-After": str(decision.retry_after_seconds)},
        )


def _ip(request: Request, gateway: GatewayRuntime) -> str:
    return f"ip:{client_ip(request, gateway.settings.trusted_proxies)}"


@declares({429: RATE_LIMITED})
async def limit_auth_attempts(request: Request, gateway: GatewayDep) -> None:
    """Per-address throttle on sign-in and code requests: guessing passwords or codes stays slow."""
    await _throttle(gateway, request.url.path, gateway.settings.rate_limit_auth, _ip(request, gateway))


def base_url(gateway: GatewayRuntime) -> str:
    """Where clients reach the gateway: from its settings, never from the request's Host."""
    return gateway.settings.public_base_url


def _basic_credentials(request: Request) -> tuple[str, str] | None:
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


def _user_agent(request: Request) -> str | None:
    return request.headers.get("user-agent")


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
    await _throttle(gateway, f"/auth/token:{group}", limit, _ip(request, gateway))
    user_agent = _user_agent(request)
    if grant_type == GRANT_PASSWORD:
        if not username or not password:
            raise OAuthError("invalid_request", "The password grant needs `username` and `password`.")
        body = await grants.password_grant(
            gateway, username=username, password=password, scope=scope, user_agent=user_agent
        )
    elif grant_type == GRANT_CLIENT_CREDENTIALS:
        basic = _basic_credentials(request)
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
    await _throttle(gateway, "/auth/revoke", gateway.settings.rate_limit_refresh, _ip(request, gateway))
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


# -- the caller's sign-ins ----------------------------------------------------------------------


def _session_kind(principal: Principal) -> str:
    return {"traveller": "traveller", "device": "device"}.get(principal.role, "account")


@router.post(
    "/auth/logout",
    status_code=204,
    summary="Sign out: end this sign-in (its refresh token stops working), or every sign-in of the caller",
)
async def logout(
    gateway: GatewayDep,
    caller: CallerDep,
    everywhere: Annotated[bool, Query(description="End all of the caller's sign-ins")] = False,
) -> Response:
    now = utcnow()
    async with gateway.sessionmaker() as db:
        if everywhere:
            await sessions.revoke_all(db, subject=caller.subject, reason="signed-out", now=now)
        else:
            await sessions.end_of(db, caller, reason="signed-out", now=now)
        await db.commit()
    return Response(status_code=204)


def _session_public(session: AuthSession, caller: Principal) -> SessionPublic:
    return SessionPublic(
        id=session.id,
        kind=session.kind,
        user_agent=session.user_agent,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
        current=session.id == caller.claims.get("sid"),
    )


@router.get("/auth/sessions", summary="The caller's sign-ins that can still refresh")
async def list_sessions(gateway: GatewayDep, caller: CallerDep) -> list[SessionPublic]:
    idle = grants.lifetimes(gateway.settings)[_session_kind(caller)].idle_seconds
    async with gateway.sessionmaker() as db:
        found = await sessions.list_live(db, subject=caller.subject, idle_seconds=idle, now=utcnow())
    return [_session_public(s, caller) for s in found]


@router.delete(
    "/auth/sessions/{session_id}",
    status_code=204,
    summary="End one of the caller's sign-ins",
    responses=problem_responses({404: "`unknown-session`: no such sign-in of yours."}),
)
async def end_session(
    gateway: GatewayDep, caller: CallerDep, session_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
) -> Response:
    async with gateway.sessionmaker() as db:
        if not await sessions.end_of(db, caller, reason="signed-out", now=utcnow(), session_id=session_id):
            raise NotFound("No such sign-in of yours.", slug="unknown-session")
        await db.commit()
    return Response(status_code=204)


# -- a station's devices ------------------------------------------------------------------------


def device_public(device: DeviceClient) -> DevicePublic:
    return DevicePublic(
        client_id=device.client_id,
        station=device.station_id,
        kind=device.kind,
        binding=device.binding,
        label=device.label,
        credential="secret" if device.secret_hash else "paired",
        paired_by=device.paired_by,
        status="unpaired" if device.disabled else "active",
        created_at=device.created_at,
        unpaired_at=device.disabled_at,
    )


@declares({429: RATE_LIMITED})
async def limit_code_guesses(request: Request, gateway: GatewayDep, caller: CallerDep) -> None:
    """Claiming is guessing to someone who has no code: per operator, as slow as sign-in attempts."""
    await _throttle(gateway, request.url.path, gateway.settings.rate_limit_auth, f"sub:{caller.subject}")


@devices_router.post(
    "/claim",
    status_code=201,
    summary="Pair the device showing this code with a screen, kiosk or locker bank of the station",
    dependencies=[Depends(limit_code_guesses)],
    responses={
        **problem_responses({503: STORE_DOWN}),
        403: {"description": "Not an operator of that station"},
        404: {"description": "No device is waiting with this code (mistyped, expired or used)"},
        409: {"description": "Code already claimed, or the screen/bank already has a device"},
    },
)
async def claim_device(
    claim_in: DeviceClaim, response: Response, gateway: GatewayDep, caller: CallerDep
) -> DevicePublic:
    async with needs_redis("Device pairing"), gateway.sessionmaker() as db:
        device = await devices.claim(
            db,
            gateway.pairing,
            principal=caller,
            claim_in=claim_in,
            served_stations=gateway.settings.stations,
        )
    response.headers["Location"] = f"/auth/devices/{device.client_id}"
    return device_public(device)


@devices_router.post(
    "/deny",
    status_code=204,
    summary="Refuse the code a device shows: its next poll gets `access_denied`",
    dependencies=[Depends(limit_code_guesses)],
    responses=problem_responses(
        {
            403: NOT_ITS_OPERATOR,
            404: "`pairing-code-unknown`: no device is waiting with this code.",
            409: "`pairing-code-used`: the code was already claimed or refused.",
            503: STORE_DOWN,
        }
    ),
)
async def deny_device(denial: DeviceDenial, gateway: GatewayDep, caller: CallerDep) -> Response:
    async with needs_redis("Device pairing"):
        await devices.deny(
            gateway.pairing, principal=caller, user_code=denial.user_code, station_id=denial.station
        )
    return Response(status_code=204)


@devices_router.get(
    "",
    summary="The station's devices, in client id order",
    responses=problem_responses({403: NOT_ITS_OPERATOR}),
)
async def list_devices(
    gateway: GatewayDep,
    caller: CallerDep,
    station: Annotated[StationSlug, Query()],
    kind: Annotated[domain.DeviceKind | None, Query()] = None,
    binding: Annotated[str | None, Query(max_length=64, pattern=IDENTIFIER)] = None,
    include_unpaired: Annotated[bool, Query()] = False,
    cursor: CURSOR = None,
    limit: PAGE_LIMIT = 50,
) -> DevicePage:
    async with gateway.sessionmaker() as db:
        page, next_cursor = await devices.list_page(
            db,
            principal=caller,
            station_id=station,
            kind=kind,
            binding=binding,
            include_unpaired=include_unpaired,
            after=cursor,
            limit=limit,
        )
    return DevicePage(station=station, items=[device_public(d) for d in page], next_cursor=next_cursor)


@devices_router.get(
    "/{client_id}",
    summary="One device",
    responses=problem_responses({403: NOT_ITS_OPERATOR, 404: UNKNOWN_DEVICE}),
)
async def get_device(client_id: ClientIdPath, gateway: GatewayDep, caller: CallerDep) -> DevicePublic:
    async with gateway.sessionmaker() as db:
        return device_public(await devices.get(db, principal=caller, client_id=client_id))


@devices_router.patch(
    "/{client_id}",
    summary="Rename or rebind a device (its next refresh carries the binding)",
    responses=problem_responses(
        {
            403: NOT_ITS_OPERATOR,
            404: UNKNOWN_DEVICE,
            409: [
                "`device-binding-taken`: another active device serves that screen or bank.",
                "`device-unpaired`: the device is unpaired; pair it again instead.",
            ],
        }
    ),
)
async def update_device(
    client_id: ClientIdPath, changes: DeviceUpdate, gateway: GatewayDep, caller: CallerDep
) -> DevicePublic:
    async with gateway.sessionmaker() as db:
        return device_public(await devices.update(db, principal=caller, client_id=client_id, changes=changes))


@devices_router.delete(
    "/{client_id}",
    status_code=204,
    summary="Unpair a device: disable it and revoke its refresh tokens (its access token ends at expiry)",
    responses=problem_responses({403: NOT_ITS_OPERATOR, 404: UNKNOWN_DEVICE}),
)
async def unpair_device(client_id: ClientIdPath, gateway: GatewayDep, caller: CallerDep) -> Response:
    async with gateway.sessionmaker() as db:
        await devices.unpair(db, principal=caller, client_id=client_id)
    return Response(status_code=204)


# -- staff accounts (network admins) ------------------------------------------------------------


@declares({403: FORBIDDEN})
def require_admin(caller: CallerDep) -> Principal:
    if domain.ADMIN_SCOPE not in caller.scopes:
        raise Forbidden(f"Managing accounts needs the {domain.ADMIN_SCOPE!r} scope.")
    return caller


AdminDep = Annotated[Principal, Depends(require_admin)]


def _is_self(admin: Principal, username: str) -> bool:
    """Admins must not lock the network out by removing the last way in: their own account."""
    return admin.subject == f"admin:{username}"


def account_public(account: Account) -> AccountPublic:
    return AccountPublic(
        username=account.username,
        role=account.role,  # type: ignore[arg-type]
        stations=list(account.stations),
        carrier=account.carrier,
        disabled=account.disabled,
        created_at=account.created_at,
    )


@accounts_router.get("", summary="Staff accounts, in username order")
async def list_accounts(
    gateway: GatewayDep,
    admin: AdminDep,
    role: Annotated[str | None, Query(pattern="^(operator|courier|admin)$")] = None,
    station: Annotated[StationSlug | None, Query()] = None,
    cursor: CURSOR = None,
    limit: PAGE_LIMIT = 50,
) -> AccountPage:
    async with gateway.sessionmaker() as db:
        page, next_cursor = await accounts.list_page(
            db, role=role, station=station, after=cursor, limit=limit
        )
    return AccountPage(items=[account_public(a) for a in page], next_cursor=next_cursor)


@accounts_router.post(
    "",
    status_code=201,
    summary="Create a staff account",
    responses=problem_responses({409: "`username-taken`: a staff account has this username."}),
)
async def create_account(
    account_in: AccountCreate, response: Response, gateway: GatewayDep, admin: AdminDep
) -> AccountPublic:
    async with gateway.sessionmaker() as db:
        account = await accounts.create(db, account_in=account_in)
    response.headers["Location"] = f"/auth/accounts/{account.username}"
    return account_public(account)


@accounts_router.get(
    "/{username}", summary="One staff account", responses=problem_responses({404: UNKNOWN_ACCOUNT})
)
async def get_account(username: UsernamePath, gateway: GatewayDep, admin: AdminDep) -> AccountPublic:
    async with gateway.sessionmaker() as db:
        return account_public(await accounts.get_or_404(db, username=username))


@accounts_router.patch(
    "/{username}",
    summary="Change a staff account; a new password, a new role or disabling ends its sign-ins",
    responses=problem_responses({404: UNKNOWN_ACCOUNT, 409: OWN_ACCOUNT}),
)
async def update_account(
    username: UsernamePath, changes: AccountUpdate, gateway: GatewayDep, admin: AdminDep
) -> AccountPublic:
    if _is_self(admin, username) and (changes.disabled or changes.role not in (None, "admin")):
        raise Problem("An admin cannot disable or demote their own account.", status=409, slug="conflict")
    async with gateway.sessionmaker() as db:
        return account_public(await accounts.update(db, username=username, changes=changes))


@accounts_router.delete(
    "/{username}",
    status_code=204,
    summary="Delete a staff account and end its sign-ins",
    responses=problem_responses({404: UNKNOWN_ACCOUNT, 409: OWN_ACCOUNT}),
)
async def delete_account(username: UsernamePath, gateway: GatewayDep, admin: AdminDep) -> Response:
    if _is_self(admin, username):
        raise Problem("An admin cannot delete their own account.", status=409, slug="conflict")
    async with gateway.sessionmaker() as db:
        await accounts.delete(db, username=username)
    return Response(status_code=204)


# -- development --------------------------------------------------------------------------------


@dev_router.get(
    "/dev/notifier/messages",
    summary="Messages the embedded notifier would have sent (development only)",
)
async def notifier_messages(
    gateway: GatewayDep,
    to: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[NotifierMessage]:
    if not isinstance(gateway.notifier, RedisInboxNotifier):
        raise NotFound("No development inbox in this deployment.")
    number = domain.normalize_phone_number(to) if to else None
    messages: list[dict[str, Any]] = await gateway.notifier.messages(to=number or to, limit=limit)
    return [NotifierMessage(**m) for m in messages]
