"""Schedules: which playlist plays when (Europe/Paris wall-clock time) on which screens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404
from kernel.errors import Conflict, InvalidInput, commit_or_conflict
from kernel.hot_reads import mark_changed
from kernel.pagination import PageRequest, page_of_rows
from kernel.rules import FieldProblem
from services.signage.invalidation import PLAYLISTS
from services.signage.layouts.service import check_layout_exists
from services.signage.models import Playlist, Schedule
from services.signage.schedules import domain
from services.signage.schemas import ScheduleCreate, ScheduleUpdate
from services.signage.screens.service import targets_of


async def list_schedules(*, session: AsyncSession, station_id: str) -> Sequence[Schedule]:
    return (
        await session.scalars(
            select(Schedule).where(Schedule.station_id == station_id).order_by(Schedule.code)
        )
    ).all()


async def page_schedules(
    *, session: AsyncSession, station_id: str, page: PageRequest
) -> tuple[list[Schedule], str | None]:
    """One page of the station's schedules, by code."""
    statement = select(Schedule).where(Schedule.station_id == station_id)
    return await page_of_rows(session, statement, [Schedule.code], page)


async def _checked_schedule(
    session: AsyncSession, station_id: str, schedule_in: ScheduleUpdate
) -> dict[str, Any]:
    playlist = await session.scalar(
        select(Playlist.id).where(Playlist.id == schedule_in.playlist_id, Playlist.station_id == station_id)
    )
    problems = []
    if playlist is None:
        problems.append(FieldProblem("playlist_id", "no such playlist at this station"))
    if schedule_in.starts_on and schedule_in.ends_on and schedule_in.ends_on < schedule_in.starts_on:
        problems.append(FieldProblem("ends_on", "a schedule ends on or after the day it starts"))
    if problems:
        raise InvalidInput.from_problems("The schedule cannot be saved; see `errors`.", problems)
    await check_layout_exists(session=session, station_id=station_id, code=schedule_in.layout, field="layout")
    values = schedule_in.model_dump()
    values["weekdays"] = sorted(set(schedule_in.weekdays))
    values["targets"] = schedule_in.targets.model_dump()
    return values


async def create_schedule(*, session: AsyncSession, station_id: str, schedule_in: ScheduleCreate) -> Schedule:
    """Play a playlist on some days and hours on some screens."""
    values = await _checked_schedule(session, station_id, schedule_in)
    taken = await session.scalar(
        select(Schedule.id).where(Schedule.station_id == station_id, Schedule.code == schedule_in.code)
    )
    if taken is not None:
        raise Conflict.taken(
            f"Schedule {schedule_in.code!r} already exists.", "code", slug="schedule-code-taken"
        )
    schedule = Schedule(station_id=station_id, **values)
    session.add(schedule)
    mark_changed(session, station_id, PLAYLISTS)
    await commit_or_conflict(session, detail="A schedule with this code was saved meanwhile; retry.")
    return schedule


async def update_schedule(
    *, session: AsyncSession, station_id: str, code: str, schedule_in: ScheduleUpdate
) -> Schedule:
    schedule = await one_or_404(session, Schedule, "unknown-schedule", station_id=station_id, code=code)
    for name, value in (await _checked_schedule(session, station_id, schedule_in)).items():
        setattr(schedule, name, value)
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return schedule


async def delete_schedule(*, session: AsyncSession, station_id: str, code: str) -> None:
    schedule = await one_or_404(session, Schedule, "unknown-schedule", station_id=station_id, code=code)
    await session.delete(schedule)
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()


def schedule_of(schedule: Schedule) -> domain.Schedule:
    start, end = schedule.local_times()
    return domain.Schedule(
        code=schedule.code,
        playlist_id=schedule.playlist_id,
        priority=schedule.priority,
        start_time=start,
        end_time=end,
        weekdays=frozenset(schedule.weekdays),
        starts_on=schedule.starts_on,
        ends_on=schedule.ends_on,
        targets=targets_of(schedule.targets),
        layout=schedule.layout,
    )
