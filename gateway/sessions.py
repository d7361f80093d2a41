"""Sign-ins that last: refresh-token families in the gateway's database.

A sign-in (password, phone code, device pairing) starts a family. Each refresh spends the token it
presents and issues the next one. A spent token presented again means someone else holds a copy:
the whole family is revoked (RFC 6749 §10.4, OAuth 2.0 Security BCP §4.14)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import domain
from gateway.models import AuthSession, RefreshToken
from gateway.settings import SessionLifetime
from gateway.tokens import new_opaque_token, token_digest
from kernel.auth import Principal
from kernel.pagination import PageRequest, page_of_rows

log = logging.getLogger(__name__)

# Revoked and expired sign-ins are kept this long (for "signed out" answers), then purged.
PURGE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Refresh:
    """A refresh token just issued, with its family."""

    session: AuthSession
    token: str
    expires_at: datetime


class RefreshRefused(Exception):
    def __init__(self, verdict: domain.RefreshVerdict | str) -> None:
        super().__init__(verdict)
        self.verdict = verdict


async def _issue(db: AsyncSession, session: AuthSession, *, idle_seconds: int, now: datetime) -> Refresh:
    token = new_opaque_token()
    expires_at = domain.refresh_token_expiry(
        now=now, idle_seconds=idle_seconds, session_expires_at=session.expires_at
    )
    db.add(
        RefreshToken(
            token_hash=token_digest(token), session_id=session.id, issued_at=now, expires_at=expires_at
        )
    )
    return Refresh(session=session, token=token, expires_at=expires_at)


async def start(
    db: AsyncSession,
    *,
    kind: str,
    subject: str,
    scope: str,
    lifetime: SessionLifetime,
    now: datetime,
    username: str | None = None,
    client_id: str | None = None,
    phone_number: str | None = None,
    user_agent: str | None = None,
) -> Refresh:
    """A new family and its first refresh token (the caller commits)."""
    session = AuthSession(
        id=secrets.token_hex(16),
        kind=kind,
        subject=subject,
        username=username,
        client_id=client_id,
        phone_number=phone_number,
        scope=scope,
        user_agent=user_agent[:200] if user_agent else None,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(seconds=lifetime.max_seconds),
    )
    db.add(session)
    return await _issue(db, session, idle_seconds=lifetime.idle_seconds, now=now)


async def rotate(
    db: AsyncSession, *, token: str, lifetimes: Mapping[str, SessionLifetime], now: datetime
) -> Refresh:
    """Spend `token` and issue the next of its family (the caller checks the subject, then commits).

    Raises RefreshRefused; on reuse the family is revoked and committed before raising."""
    stored = await db.get(RefreshToken, token_digest(token))
    if stored is None:
        raise RefreshRefused("unknown")
    session = await db.get(AuthSession, stored.session_id)
    assert session is not None  # the foreign key says so
    verdict = domain.refresh_verdict(
        spent_at=stored.spent_at,
        token_expires_at=stored.expires_at,
        session_revoked_at=session.revoked_at,
        session_expires_at=session.expires_at,
        now=now,
    )
    if verdict == "valid":
        # Only one of two racing refreshes spends the token; the other is a reuse.
        spent = await db.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == stored.token_hash, RefreshToken.spent_at.is_(None))
            .values(spent_at=now)
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]
            verdict = "reused"
    if verdict == "reused":
        await revoke(db, session, reason="refresh-token-reused", now=now)
        await db.commit()
        log.warning(
            "refresh token reused: sign-in revoked",
            extra={"session": session.id, "subject": session.subject, "kind": session.kind},
        )
    if verdict != "valid":
        raise RefreshRefused(verdict)
    session.last_used_at = now
    # Spent tokens past their own expiry can no longer be told from unknown ones; drop them.
    await db.execute(
        delete(RefreshToken).where(
            RefreshToken.session_id == session.id,
            RefreshToken.spent_at.is_not(None),
            RefreshToken.expires_at < now,
        )
    )
    return await _issue(db, session, idle_seconds=lifetimes[session.kind].idle_seconds, now=now)


async def revoke(db: AsyncSession, session: AuthSession, *, reason: str, now: datetime) -> None:
    if session.revoked_at is None:
        session.revoked_at, session.revoked_reason = now, reason


async def end_of(
    db: AsyncSession, principal: Principal, *, reason: str, now: datetime, session_id: str | None = None
) -> bool:
    """End a sign-in of `principal`: the one named, else the one its token came from (`sid`).
    False when there is no such live sign-in of theirs."""
    sid = session_id or principal.claims.get("sid")
    session = await get_live(db, sid, now=now) if isinstance(sid, str) else None
    if session is None or session.subject != principal.subject:
        return False
    await revoke(db, session, reason=reason, now=now)
    return True


async def revoke_by_token(db: AsyncSession, *, token: str, now: datetime) -> bool:
    """RFC 7009: revoke the family of a refresh token; False when the token is unknown."""
    stored = await db.get(RefreshToken, token_digest(token))
    if stored is None:
        return False
    session = await db.get(AuthSession, stored.session_id)
    assert session is not None
    await revoke(db, session, reason="revoked", now=now)
    return True


async def revoke_all(
    db: AsyncSession,
    *,
    reason: str,
    now: datetime,
    subject: str | None = None,
    username: str | None = None,
    client_id: str | None = None,
) -> int:
    """End every live sign-in of a subject, a staff account or a device client; returns how many."""
    assert subject or username or client_id, "revoke_all needs someone to revoke"
    query = update(AuthSession).where(AuthSession.revoked_at.is_(None))
    if subject is not None:
        query = query.where(AuthSession.subject == subject)
    if username is not None:
        query = query.where(AuthSession.username == username)
    if client_id is not None:
        query = query.where(AuthSession.client_id == client_id)
    result = await db.execute(query.values(revoked_at=now, revoked_reason=reason))
    return int(result.rowcount)  # type: ignore[attr-defined]


async def get_live(db: AsyncSession, session_id: str, *, now: datetime) -> AuthSession | None:
    session = await db.get(AuthSession, session_id)
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        return None
    return session


async def list_live(
    db: AsyncSession, *, subject: str, idle_seconds: int, now: datetime, page: PageRequest
) -> tuple[list[AuthSession], str | None]:
    """One page of a subject's sign-ins that can still refresh, newest first."""
    statement = select(AuthSession).where(
        AuthSession.subject == subject,
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > now,
        AuthSession.last_used_at > now - timedelta(seconds=idle_seconds),
    )
    return await page_of_rows(db, statement, [AuthSession.created_at, AuthSession.id], page, descending=True)


async def purge(db: AsyncSession, *, now: datetime) -> None:
    """Forget sign-ins that ended more than a day ago (their tokens go with them)."""
    cutoff = now - PURGE_AFTER
    ended = select(AuthSession.id).where(
        (AuthSession.expires_at < cutoff) | (AuthSession.revoked_at < cutoff)
    )
    await db.execute(delete(RefreshToken).where(RefreshToken.session_id.in_(ended)))
    await db.execute(delete(AuthSession).where(AuthSession.id.in_(ended)))
