"""info_kiosk's routes under /api/v1/stations/{station_id}/kiosk: thin, the rules live elsewhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, status

from services.common.auth import Principal
from services.common.deps import SessionDep, StationId, require_roles
from services.info_kiosk import domain, service
from services.info_kiosk.schemas import (
    Category,
    LanguageTag,
    MobilityBoard,
    PointOfInterestCreate,
    PointOfInterestList,
    PointOfInterestPublic,
    VehicleAvailabilityPublic,
)

router = APIRouter(prefix="/api/v1/stations/{station_id}/kiosk", tags=["kiosk"])
Operator = Annotated[Principal, Depends(require_roles("operator"))]
AcceptLanguage = Annotated[str | None, Header(description="Used when `lang` is not given.")]


@router.get("/points-of-interest", summary="The station's points of interest, in the caller's language")
async def list_points_of_interest(
    station_id: StationId,
    session: SessionDep,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    lang: Annotated[LanguageTag | None, Query(description="BCP 47 tag; else Accept-Language.")] = None,
    accept_language: AcceptLanguage = None,
) -> PointOfInterestList:
    points = await service.list_points_of_interest(session=session, station_id=station_id, category=category)
    preferred = domain.preferred_languages(lang=lang, accept_language=accept_language)
    localized = [PointOfInterestPublic.localized(point, preferred) for point in points]
    return PointOfInterestList(
        station_id=station_id, points_of_interest=sorted(localized, key=domain.directory_key)
    )


@router.post(
    "/points-of-interest",
    status_code=status.HTTP_201_CREATED,
    summary="Add a point of interest; publishes point_of_interest.published",
)
async def create_point_of_interest(
    station_id: StationId,
    point_in: PointOfInterestCreate,
    session: SessionDep,
    _: Operator,
    accept_language: AcceptLanguage = None,
) -> PointOfInterestPublic:
    point = await service.create_point_of_interest(session=session, station_id=station_id, point_in=point_in)
    preferred = domain.preferred_languages(lang=None, accept_language=accept_language)
    return PointOfInterestPublic.localized(point, preferred)


@router.get("/mobility", summary="Bikes and vehicles available near the station, live from bike_share")
async def mobility_board(station_id: StationId, session: SessionDep) -> MobilityBoard:
    available = await service.list_vehicle_availability(session=session, station_id=station_id)
    return MobilityBoard(
        station_id=station_id,
        as_of=max((v.updated_at for v in available), default=None),
        vehicle_stations=[VehicleAvailabilityPublic.model_validate(v) for v in available],
    )
