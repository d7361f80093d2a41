"""Alerts' routes: raise, reach, list, read, clear; the players' acknowledgements."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from kernel.db import one_or_404
from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import SIGNAGE
from services.signage.alerts import service
from services.signage.deps import (
    NOT_ITS_PLAYER,
    UNKNOWN_SCREEN,
    CodePath,
    IdPath,
    Operator,
    PageDep,
    Player,
    own_screen,
)
from services.signage.models import Alert
from services.signage.schemas import AlertCreate, AlertPublic, AlertReach, AlertStatus, Targets

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])


UNKNOWN_ALERT = "`unknown-alert`: no such alert here."


async def alert_status(session: SessionDep, alert: Any) -> AlertStatus:
    screens, acks = await service.alert_status(session=session, alert=alert)
    return AlertStatus(
        **AlertPublic.model_validate(alert).model_dump(),
        screens=screens,
        acknowledged=acks,
        not_acknowledged=[code for code in screens if code not in acks],
    )


@router.post(
    "/alerts",
    status_code=status.HTTP_201_CREATED,
    summary="Raise an alert: the targeted screens show it within seconds; publishes alert.raised",
    responses=problem_responses(422),
)
async def raise_alert(
    station_id: StationId, alert_in: AlertCreate, session: SessionDep, _: Operator
) -> AlertStatus:
    alert = await service.raise_alert(session=session, station_id=station_id, alert_in=alert_in)
    return await alert_status(session, alert)


@router.post(
    "/alerts/reach",
    summary="The screens an alert with these targets would reach now; nothing is raised",
    description="For the confirmation an operator sees before raising an alert: the same rule as the alert's.",
    responses=problem_responses(422),
)
async def alert_reach(
    station_id: StationId, targets: Targets, session: SessionDep, _: Operator
) -> AlertReach:
    screens = await service.screens_reached(
        session=session, station_id=station_id, targets=targets.model_dump()
    )
    return AlertReach(screens=screens)


@router.get("/alerts", summary="The station's alerts, newest first")
async def list_alerts(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    page: PageDep,
    active: Annotated[bool, Query(description="Only those on screens now")] = False,
) -> Page[AlertPublic]:
    alerts, next_cursor = await service.page_alerts(
        session=session, station_id=station_id, active_only=active, page=page
    )
    return Page(items=[AlertPublic.model_validate(a) for a in alerts], next_cursor=next_cursor)


@router.get(
    "/alerts/{alert_id}",
    summary="An alert, with the screens that showed it and those that have not",
    responses=problem_responses({404: UNKNOWN_ALERT}),
)
async def get_alert(station_id: StationId, alert_id: IdPath, session: SessionDep, _: Operator) -> AlertStatus:
    alert = await one_or_404(session, Alert, "unknown-alert", station_id=station_id, id=alert_id)
    return await alert_status(session, alert)


@router.post(
    "/alerts/{alert_id}/clear",
    summary="Clear an alert: screens return to their schedule; publishes alert.cleared",
    responses=problem_responses({404: UNKNOWN_ALERT}),
)
async def clear_alert(
    station_id: StationId, alert_id: IdPath, session: SessionDep, _: Operator
) -> AlertStatus:
    alert = await service.clear_alert(session=session, station_id=station_id, alert_id=alert_id)
    return await alert_status(session, alert)


@router.post(
    "/screens/{code}/alerts/{alert_id}/ack",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="The screen's player shows the alert",
    responses=problem_responses(
        {404: [UNKNOWN_SCREEN, "`unknown-alert`: no such alert here."], 403: NOT_ITS_PLAYER}
    ),
)
async def acknowledge_alert(
    station_id: StationId, code: CodePath, alert_id: IdPath, session: SessionDep, player: Player
) -> Response:
    screen = await own_screen(session, station_id, code, player)
    await service.acknowledge_alert(session=session, screen=screen, alert_id=alert_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
