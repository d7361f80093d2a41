"""Refresh-token families in a migrated gateway database, with the clock in the test's hands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway import sessions
from gateway.models import AuthSession, RefreshToken
from gateway.settings import SessionLifetime
from kernel.db import create_engine, create_sessionmaker
from kernel.migrations import upgrade_to_head

MIGRATIONS = Path(__file__).resolve().parents[1] / "gateway" / "migrations"
LIFETIME = SessionLifetime(idle_seconds=3600, max_seconds=86400)
LIFETIMES = {"account": LIFETIME, "traveller": LIFETIME, "device": LIFETIME}
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path) -> AsyncIterator[AsyncSession]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.sqlite'}"
    await asyncio.to_thread(upgrade_to_head, MIGRATIONS, url, None)  # alembic runs its own loop
    engine = create_engine(url)
    async with create_sessionmaker(engine)() as session:
        yield session
    await engine.dispose()


async def sign_in(
    db: AsyncSession, subject: str = "operator:alice", *, at: datetime = T0
) -> sessions.Refresh:
    refresh = await sessions.start(
        db,
        kind="account",
        subject=subject,
        scope="station:operate",
        lifetime=LIFETIME,
        now=at,
        username="alice",
    )
    await db.commit()
    return refresh


async def rotate(db: AsyncSession, token: str, at: datetime) -> sessions.Refresh:
    refresh = await sessions.rotate(db, token=token, lifetimes=LIFETIMES, now=at)
    await db.commit()
    return refresh


async def test_refreshing_within_the_idle_lifetime_keeps_a_sign_in_alive_up_to_its_maximum(db):
    refresh = await sign_in(db)
    at = T0
    while at + timedelta(minutes=50) < T0 + timedelta(days=1):
        at += timedelta(minutes=50)
        refresh = await rotate(db, refresh.token, at)
    assert refresh.expires_at == T0 + timedelta(days=1)  # the last token is cut at the maximum
    with pytest.raises(sessions.RefreshRefused) as refused:
        await rotate(db, refresh.token, T0 + timedelta(days=1))
    assert refused.value.verdict == "expired"


async def test_an_unused_sign_in_ends_after_the_idle_lifetime(db):
    refresh = await sign_in(db)
    with pytest.raises(sessions.RefreshRefused) as refused:
        await rotate(db, refresh.token, T0 + timedelta(seconds=3600))
    assert refused.value.verdict == "expired"


async def test_reuse_revokes_the_family_but_not_the_other_sign_ins(db):
    first = await sign_in(db)
    other = await sign_in(db)
    second = await rotate(db, first.token, T0 + timedelta(minutes=1))
    with pytest.raises(sessions.RefreshRefused) as refused:
        await rotate(db, first.token, T0 + timedelta(minutes=2))
    assert refused.value.verdict == "reused"
    family = await db.get(AuthSession, first.session.id)
    assert family is not None and family.revoked_reason == "refresh-token-reused"
    with pytest.raises(sessions.RefreshRefused) as again:
        await rotate(db, second.token, T0 + timedelta(minutes=3))
    assert again.value.verdict == "revoked"
    assert (await rotate(db, other.token, T0 + timedelta(minutes=3))).session.id == other.session.id


async def test_spent_tokens_are_kept_only_while_they_could_still_be_told_apart(db):
    refresh = await sign_in(db)
    for minutes in (10, 20, 30):
        refresh = await rotate(db, refresh.token, T0 + timedelta(minutes=minutes))
    count = (
        select(func.count()).select_from(RefreshToken).where(RefreshToken.session_id == refresh.session.id)
    )
    assert await db.scalar(count) == 4  # three spent (reuse still detectable), one live
    refresh = await rotate(db, refresh.token, T0 + timedelta(minutes=75))
    assert await db.scalar(count) == 3  # the two spent past their own expiry are gone


async def test_ended_sign_ins_are_purged_a_day_later(db):
    revoked = await sign_in(db, "traveller:a")
    expired = await sign_in(db, "traveller:b", at=T0 - timedelta(days=3))
    live = await sign_in(db, "traveller:c")
    await sessions.revoke_all(db, subject="traveller:a", reason="signed-out", now=T0)
    await db.commit()

    await sessions.purge(db, now=T0 + timedelta(hours=12))
    await db.commit()
    remaining = set(await db.scalars(select(AuthSession.id)))
    assert remaining == {revoked.session.id, live.session.id}  # revoked less than a day ago: kept

    await sessions.purge(db, now=T0 + timedelta(days=1, minutes=1))
    await db.commit()
    assert set(await db.scalars(select(AuthSession.id))) == {live.session.id}
    tokens = set(await db.scalars(select(RefreshToken.session_id)))
    assert tokens == {live.session.id} and expired.session.id not in tokens
