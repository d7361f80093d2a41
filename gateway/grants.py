"""The token endpoint's use cases, one per grant type: check, then issue an access token (and a
refresh token for sign-ins that last: password, phone code, device pairing)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import accounts, domain, sessions
from gateway.models import Account, AuthSession, DeviceClient
from gateway.otp import TooManyGuesses
from gateway.runtime import GatewayRuntime
from gateway.schemas import TokenResponse
from gateway.settings import GatewaySettings, SessionLifetime
from gateway.tokens import Grant, account_grant, device_grant, issue_access_token, traveller_grant
from kernel.attempts import AttemptPolicy
from kernel.db import utcnow
from kernel.errors import Problem, TooManyRequests

log = logging.getLogger(__name__)
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
PURGE_EVERY_SECONDS = 3600

REFRESH_REFUSALS = {
    "unknown": "The refresh token is not known here.",
    "expired": "The refresh token has expired; sign in again.",
    "revoked": "This sign-in has ended (signed out, revoked or unpaired); sign in again.",
    "reused": "This refresh token was already used; the sign-in is revoked for safety. Sign in again.",
}


class OAuthError(Problem):
    """RFC 6749 §5.2 errors, as problem+json with the OAuth `error` member kept for OAuth clients."""

    def __init__(
        self, error: str, description: str, *, status: int = 400, extensions: Mapping[str, Any] | None = None
    ) -> None:
        headers = {"WWW-Authenticate": 'Basic realm="gare-numerique"'} if status == 401 else None
        super().__init__(
            description,
            status=status,
            slug=f"oauth-{error.replace('_', '-')}",
            headers={**NO_STORE, **(headers or {})},
            extensions={"error": error, "error_description": description, **(extensions or {})},
        )


@asynccontextmanager
async def needs_redis(what: str) -> AsyncIterator[None]:
    """Codes live in Redis: without it they cannot be sent or checked, and the caller is told so."""
    try:
        yield
    except RedisError as exc:
        log.warning("redis unavailable", extra={"what": what, "error": repr(exc)})
        raise Problem(
            f"{what} is unavailable for a moment; try again shortly.",
            status=503,
            slug="auth-store-unavailable",
            headers={"Retry-After": "5"},
        ) from exc


def too_many_attempts(retry_after_seconds: int, detail: str | None = None) -> TooManyRequests:
    """Refused before the secret is looked at: the client is told when it may try again."""
    return TooManyRequests(
        detail or f"Too many failed attempts; try again in {retry_after_seconds} s.",
        headers={**NO_STORE, "Retry-After": str(retry_after_seconds)},
    )


@asynccontextmanager
async def counted_attempt(gateway: GatewayRuntime, key: str, policy: AttemptPolicy) -> AsyncIterator[None]:
    """Spend an attempt at `key` before the body checks a secret; a success (no OAuthError) clears
    the count. Without Redis the check goes ahead uncounted, like the rate limits (availability)."""
    try:
        verdict = await gateway.attempts.spend(key, policy)
    except RedisError as exc:
        log.warning("attempt counter unavailable", extra={"key": key, "error": repr(exc)})
        verdict = None
    if verdict is not None and not verdict.allowed:
        raise too_many_attempts(verdict.retry_after_seconds)
    yield  # an OAuthError leaves the attempt counted
    if verdict is None:
        return
    try:
        await gateway.attempts.clear(key)
    except RedisError as exc:
        log.warning("attempt counter unavailable", extra={"key": key, "error": repr(exc)})


def lifetimes(settings: GatewaySettings) -> dict[str, SessionLifetime]:
    """Session kind -> its lifetime."""
    return {
        "account": settings.session_staff,
        "traveller": settings.session_traveller,
        "device": settings.session_device,
    }


def _narrow(grant: Grant, requested: str | None) -> Grant:
    scope = domain.narrow_scope(grant.scope, requested)
    if scope is None:
        raise OAuthError("invalid_scope", f"Only these scopes can be granted here: {grant.scope!r}.")
    return grant.narrowed(scope)


def token_response(
    gateway: GatewayRuntime,
    grant: Grant,
    *,
    refresh: sessions.Refresh | None = None,
    now: datetime | None = None,
    device: DeviceClient | None = None,
) -> TokenResponse:
    settings = gateway.settings
    access = issue_access_token(
        gateway.keyring,
        issuer=settings.issuer,
        audience=settings.token_audience,
        grant=grant,
        session_id=refresh.session.id if refresh else None,
    )
    body = TokenResponse(access_token=access, expires_in=grant.ttl_seconds, scope=grant.scope)
    if refresh is not None and now is not None:
        body.refresh_token = refresh.token
        body.refresh_token_expires_in = int((refresh.expires_at - now).total_seconds())
    if device is not None:
        body.client_id, body.station = device.client_id, device.station_id
        body.device_kind, body.device_binding = device.kind, device.binding
    return body


async def _sign_in(
    gateway: GatewayRuntime,
    db: AsyncSession,
    grant: Grant,
    *,
    kind: str,
    user_agent: str | None,
    device: DeviceClient | None = None,
    **who: str | None,
) -> TokenResponse:
    now = utcnow()
    refresh = await sessions.start(
        db,
        kind=kind,
        subject=grant.subject,
        scope=grant.scope,
        lifetime=lifetimes(gateway.settings)[kind],
        now=now,
        user_agent=user_agent,
        **who,
    )
    await db.commit()
    await _purge_now_and_then(gateway, now)
    return token_response(gateway, grant, refresh=refresh, now=now, device=device)


async def _purge_now_and_then(gateway: GatewayRuntime, now: datetime) -> None:
    """Ended sign-ins are purged at most once an hour, by whichever gateway signs someone in first."""
    try:
        if not await gateway.redis.set("auth:purge", "1", nx=True, ex=PURGE_EVERY_SECONDS):
            return
        async with gateway.sessionmaker() as db:
            await sessions.purge(db, now=now)
            await db.commit()
    except Exception as exc:  # housekeeping must never fail a sign-in
        log.warning("purge of ended sign-ins failed", extra={"error": repr(exc)})


async def password_grant(
    gateway: GatewayRuntime, *, username: str, password: str, scope: str | None, user_agent: str | None
) -> TokenResponse:
    async with gateway.sessionmaker() as db:
        # Per account, from any address: the per-address limit alone lets many addresses guess.
        async with counted_attempt(
            gateway, domain.account_attempts_key(username), gateway.settings.attempts_account.policy()
        ):
            account = await accounts.verify_password(session=db, username=username, password=password)
            if account is None or account.role not in domain.STAFF_ROLES:
                raise OAuthError("invalid_grant", "Unknown user or wrong password.")
        grant = account_grant(
            gateway.settings,
            username=account.username,
            role=account.role,
            stations=account.stations,
            carrier=account.carrier,
        )
        return await _sign_in(
            gateway,
            db,
            _narrow(grant, scope),
            kind="account",
            user_agent=user_agent,
            username=account.username,
        )


async def client_credentials_grant(
    gateway: GatewayRuntime, *, client_id: str, client_secret: str, scope: str | None
) -> TokenResponse:
    """Provisioned devices: no refresh token (RFC 6749 §4.4.3), they hold their secret."""
    # A throttled client is refused before its secret costs an argon2 check.
    async with counted_attempt(
        gateway, domain.client_attempts_key(client_id), gateway.settings.attempts_client.policy()
    ):
        async with gateway.sessionmaker() as db:
            device = await accounts.verify_device(
                session=db, client_id=client_id, client_secret=client_secret
            )
        if device is None:
            raise OAuthError("invalid_client", "Unknown client or wrong secret.", status=401)
    grant = device_grant(
        gateway.settings,
        client_id=device.client_id,
        kind=device.kind,
        station_id=device.station_id,
        binding=device.binding,
    )
    return token_response(gateway, _narrow(grant, scope))


async def phone_code_grant(
    gateway: GatewayRuntime,
    *,
    phone_number: str | None,
    code: str | None,
    scope: str | None,
    user_agent: str | None,
) -> TokenResponse:
    number = domain.normalize_phone_number(phone_number or "")
    if number is None or not code:
        raise OAuthError("invalid_request", "This grant needs `phone_number` (E.164) and `code`.")
    try:
        async with needs_redis("Sign-in by phone code"):
            redeemed = await gateway.otp.redeem(number, code.strip())
    except TooManyGuesses as exc:
        raise too_many_attempts(
            exc.retry_after_seconds, "Too many wrong codes for this number; ask for a new code."
        ) from exc
    if not redeemed:
        raise OAuthError("invalid_grant", "The code is wrong or has expired; ask for a new one.")
    grant = traveller_grant(gateway.settings, subject=gateway.otp.subject_for(number), phone_number=number)
    async with gateway.sessionmaker() as db:
        return await _sign_in(
            gateway, db, _narrow(grant, scope), kind="traveller", user_agent=user_agent, phone_number=number
        )


async def _current_grant(
    db: AsyncSession, settings: GatewaySettings, session: AuthSession
) -> tuple[Grant, DeviceClient | None] | None:
    """What the sign-in's subject gets today (role, stations, binding re-read); None if disabled or gone."""
    if session.kind == "account" and session.username:
        account = await db.get(Account, session.username)
        if account is None or account.disabled or account.role not in domain.STAFF_ROLES:
            return None
        role = account.role
        grant = account_grant(
            settings, username=account.username, role=role, stations=account.stations, carrier=account.carrier
        )
        return grant, None
    if session.kind == "traveller" and session.phone_number:
        return traveller_grant(settings, subject=session.subject, phone_number=session.phone_number), None
    if session.kind == "device" and session.client_id:
        device = await db.get(DeviceClient, session.client_id)
        if device is None or device.disabled:
            return None
        grant = device_grant(
            settings,
            client_id=device.client_id,
            kind=device.kind,
            station_id=device.station_id,
            binding=device.binding,
        )
        return grant, device
    return None


async def refresh_token_grant(
    gateway: GatewayRuntime, *, refresh_token: str | None, client_id: str | None, scope: str | None
) -> TokenResponse:
    if not refresh_token:
        raise OAuthError("invalid_request", "The refresh_token grant needs `refresh_token`.")
    now = utcnow()
    async with gateway.sessionmaker() as db:
        try:
            refresh = await sessions.rotate(
                db, token=refresh_token, lifetimes=lifetimes(gateway.settings), now=now
            )
        except sessions.RefreshRefused as exc:
            raise OAuthError("invalid_grant", REFRESH_REFUSALS[exc.verdict]) from exc
        session = refresh.session
        if client_id and session.client_id and client_id != session.client_id:
            await db.rollback()
            raise OAuthError("invalid_grant", "This refresh token was issued to another client.")
        current = await _current_grant(db, gateway.settings, session)
        if current is None:
            await sessions.revoke(db, session, reason="subject-disabled", now=now)
            await db.commit()
            raise OAuthError("invalid_grant", "The account or device is disabled; its sign-ins have ended.")
        grant, device = current
        grant = grant.narrowed(domain.intersect_scopes(grant.scope, session.scope))
        try:
            grant = _narrow(grant, scope)
        except OAuthError:
            await db.rollback()
            raise
        await db.commit()
    return token_response(gateway, grant, refresh=refresh, now=now, device=device)


async def device_code_grant(
    gateway: GatewayRuntime, *, device_code: str | None, user_agent: str | None
) -> TokenResponse:
    """RFC 8628 §3.4-3.5: the device polls until an operator claims its code."""
    if not device_code:
        raise OAuthError("invalid_request", "The device_code grant needs `device_code`.")
    async with needs_redis("Device pairing"):
        polled = await gateway.pairing.poll(device_code)
    if polled.outcome == "expired":
        raise OAuthError("expired_token", "The pairing code has expired (or was used); ask for a new one.")
    if polled.outcome == "pending":
        raise OAuthError("authorization_pending", "Waiting for an operator to claim the code.")
    if polled.outcome == "slow_down":
        raise OAuthError(
            "slow_down",
            f"Polling too fast; wait {polled.interval} seconds between polls.",
            extensions={"interval": polled.interval},
        )
    if polled.outcome == "denied":
        raise OAuthError("access_denied", "An operator refused this pairing.")
    async with gateway.sessionmaker() as db:
        device = await db.get(DeviceClient, polled.client_id)
        if device is None or device.disabled:
            raise OAuthError("access_denied", "The device was unpaired before it picked up its tokens.")
        grant = device_grant(
            gateway.settings,
            client_id=device.client_id,
            kind=device.kind,
            station_id=device.station_id,
            binding=device.binding,
        )
        log.info("paired device picked up its tokens", extra={"client_id": device.client_id})
        return await _sign_in(
            gateway,
            db,
            grant,
            kind="device",
            user_agent=user_agent,
            device=device,
            client_id=device.client_id,
        )
