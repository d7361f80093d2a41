"""The sweep's route: operators run it now (it also runs on a timer)."""

from __future__ import annotations

from fastapi import APIRouter

from kernel.deps import SessionDep, StationId
from kernel.registry import PARCEL_LOCKERS
from services.parcel_lockers.deps import Operator, ToolsDep
from services.parcel_lockers.schemas import SweepResult
from services.parcel_lockers.sweeps import service

router = APIRouter(prefix=PARCEL_LOCKERS.path_prefix, tags=["lockers"])


@router.post(
    "/sweeps", summary="Run expiry, reminders and door-left-open checks now (they also run on a timer)"
)
async def sweep(station_id: StationId, session: SessionDep, tools: ToolsDep, _: Operator) -> SweepResult:
    return SweepResult(**await service.sweep(session=session, tools=tools, station_id=station_id))
