"""Schedules' routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from kernel.db import one_or_404
from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import SIGNAGE
from services.signage.deps import CodePath, Operator, PageDep
from services.signage.models import Schedule
from services.signage.schedules import service
from services.signage.schemas import ScheduleCreate, SchedulePublic, ScheduleUpdate

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])


UNKNOWN_SCHEDULE = "`unknown-schedule`: no schedule with this code here."


def schedule_public(schedule: Any) -> SchedulePublic:
    return SchedulePublic.model_validate(schedule)


@router.post(
    "/schedules",
    status_code=status.HTTP_201_CREATED,
    summary="Play a playlist on some dates, weekdays and hours (Europe/Paris) on some screens",
    responses=problem_responses({409: "`schedule-code-taken`: a schedule has this code."}),
)
async def create_schedule(
    station_id: StationId, schedule_in: ScheduleCreate, session: SessionDep, _: Operator
) -> SchedulePublic:
    return schedule_public(
        await service.create_schedule(session=session, station_id=station_id, schedule_in=schedule_in)
    )


@router.get("/schedules", summary="The station's schedules, by code")
async def list_schedules(
    station_id: StationId, session: SessionDep, _: Operator, page: PageDep
) -> Page[SchedulePublic]:
    schedules, next_cursor = await service.page_schedules(session=session, station_id=station_id, page=page)
    return Page(items=[schedule_public(s) for s in schedules], next_cursor=next_cursor)


@router.get("/schedules/{code}", summary="One schedule", responses=problem_responses({404: UNKNOWN_SCHEDULE}))
async def get_schedule(
    station_id: StationId, code: CodePath, session: SessionDep, _: Operator
) -> SchedulePublic:
    return schedule_public(
        await one_or_404(session, Schedule, "unknown-schedule", station_id=station_id, code=code)
    )


@router.put(
    "/schedules/{code}", summary="Replace a schedule", responses=problem_responses({404: UNKNOWN_SCHEDULE})
)
async def update_schedule(
    station_id: StationId, code: CodePath, schedule_in: ScheduleUpdate, session: SessionDep, _: Operator
) -> SchedulePublic:
    return schedule_public(
        await service.update_schedule(
            session=session, station_id=station_id, code=code, schedule_in=schedule_in
        )
    )


@router.delete(
    "/schedules/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a schedule",
    responses=problem_responses({404: UNKNOWN_SCHEDULE}),
)
async def delete_schedule(
    station_id: StationId, code: CodePath, session: SessionDep, _: Operator
) -> Response:
    await service.delete_schedule(session=session, station_id=station_id, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
