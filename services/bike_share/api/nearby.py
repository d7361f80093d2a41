"""What a traveller can take near a point."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from kernel.deps import SessionDep, StationId
from kernel.errors import InvalidInput
from kernel.registry import BIKE_SHARE
from kernel.rules import FieldProblem
from services.bike_share.schemas import NearbyList
from services.bike_share.service import publishing, shared

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])


@router.get("/nearby", summary="Vehicle stations and vehicles within a radius, nearest walk first")
async def nearby(
    station_id: StationId,
    session: SessionDep,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[int, Query(ge=10, le=5000)] = 500,
    vehicle_type_id: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> NearbyList:
    origin = (lat, lon) if lat is not None and lon is not None else shared.station_position(station_id)
    if origin is None:
        raise InvalidInput.from_problems(
            "This station's position is unknown: give lat and lon.", [FieldProblem("lat", "required here")]
        )
    places = await publishing.nearby(
        session=session,
        station_id=station_id,
        lat=origin[0],
        lon=origin[1],
        radius_m=radius_m,
        vehicle_type_ids=set(vehicle_type_id) if vehicle_type_id else None,
    )
    return NearbyList(station_id=station_id, lat=origin[0], lon=origin[1], radius_m=radius_m, places=places)
