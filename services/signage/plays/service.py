"""Proof of play: the players' play records, each counted once, and the report per day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import utcnow
from kernel.errors import InvalidInput, commit_or_conflict
from kernel.outbox import stage
from kernel.rules import FieldProblem
from services.signage.exhibitions.played import works_played
from services.signage.models import OUTBOX, Play, Screen
from services.signage.plays import domain
from services.signage.schemas import PlayBatch, PlayReportRow


async def record_plays(*, session: AsyncSession, screen: Screen, batch: PlayBatch) -> tuple[int, int]:
    """Store a batch of play records once each (players resend until they get an answer)."""
    now = utcnow()
    problems = [
        FieldProblem(f"plays.{index}.{p.field}", p.detail)
        for index, record in enumerate(batch.plays)
        for p in domain.play_problems(started_at=record.started_at, at=now)
    ]
    if problems:
        raise InvalidInput.from_problems("Some play records cannot be right; see `errors`.", problems)
    ids = {record.play_id for record in batch.plays}
    seen = set(
        await session.scalars(
            select(Play.play_id).where(
                Play.station_id == screen.station_id, Play.screen_code == screen.code, Play.play_id.in_(ids)
            )
        )
    )
    new = {r.play_id: r for r in batch.plays if r.play_id not in seen}  # a batch may repeat itself too
    for record in new.values():
        session.add(
            Play(
                station_id=screen.station_id,
                screen_code=screen.code,
                play_id=record.play_id,
                content_item_id=record.content_item_id,
                started_at=record.started_at,
                duration_seconds=record.duration_seconds,
                played_on=domain.played_on(record.started_at),
                region=record.region,
            )
        )
    # Plays of exhibition works are told to the hub, with the batch (one event per day it spans).
    await stage(
        session, OUTBOX, *await works_played(session=session, screen=screen, records=list(new.values()))
    )
    await commit_or_conflict(session, detail="The same plays were sent meanwhile; send the batch again.")
    return len(new), len(batch.plays) - len(new)


async def play_report(
    *,
    session: AsyncSession,
    station_id: str,
    since: date,
    until: date,
    screen: str | None,
    region: str | None = None,
) -> list[PlayReportRow]:
    """Plays and seconds per day, screen and content (in one layout region, if asked)."""
    query = (
        select(
            Play.played_on,
            Play.screen_code,
            Play.content_item_id,
            func.count(),
            func.coalesce(func.sum(Play.duration_seconds), 0),
        )
        .where(Play.station_id == station_id, Play.played_on >= since, Play.played_on <= until)
        .group_by(Play.played_on, Play.screen_code, Play.content_item_id)
        .order_by(Play.played_on, Play.screen_code, Play.content_item_id)
    )
    if screen is not None:
        query = query.where(Play.screen_code == screen)
    if region is not None:
        query = query.where(Play.region == region)
    return [
        PlayReportRow(day=day, screen=code, content_item_id=content, plays=int(count), seconds=int(seconds))
        for day, code, content, count, seconds in (await session.execute(query)).all()
    ]
