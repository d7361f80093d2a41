"""Doors' routes for the bank's controller (its keypad, its screen's code, its journal, the key it
checks QR tokens with) and the operators' log of openings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from kernel.auth import Scope
from kernel.db import one_or_404
from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import PARCEL_LOCKERS
from services.parcel_lockers.deps import (
    BankCodePath,
    Controller,
    ControllerOrOperator,
    Operator,
    PageDep,
    Reader,
    ToolsDep,
    check_controller_of,
)
from services.parcel_lockers.doors import codes, service
from services.parcel_lockers.models import LockerBank
from services.parcel_lockers.schemas import (
    BANK_CODE_PATTERN,
    DoorEventsIn,
    DoorEventsResult,
    KeypadIn,
    KeypadOpen,
    OpeningPublic,
    PresenceCode,
)

router = APIRouter(prefix=PARCEL_LOCKERS.path_prefix, tags=["lockers"])


@router.get("/unlock-keys", summary="The public key controllers verify QR unlock tokens with (JWKS)")
async def unlock_keys(station_id: StationId, tools: ToolsDep, _: Reader) -> dict[str, Any]:
    return {"keys": [tools.signer.jwk]}


@router.post(
    "/banks/{code}/keypad",
    summary="A code typed on the bank's keypad (its controller asks): the compartment to open",
    responses=problem_responses(
        {
            403: "`wrong-code`: no parcel has this code here; five in a row lock the keypad.",
            409: "`door-busy`: its door is already open.",
            429: "`keypad-locked`: too many wrong codes; retry after `Retry-After`.",
        }
    ),
)
async def keypad(
    station_id: StationId,
    code: BankCodePath,
    keypad_in: KeypadIn,
    session: SessionDep,
    tools: ToolsDep,
    caller: Controller,
) -> KeypadOpen:
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, code=code)
    check_controller_of(caller, bank)
    parcel, label = await codes.keypad(
        session=session,
        tools=tools,
        station_id=station_id,
        bank_code=code,
        code=keypad_in.code,
        controller=caller,
    )
    return KeypadOpen(compartment=label, parcel_id=parcel.id)


@router.get(
    "/banks/{code}/presence-code",
    summary="The code the bank's screen shows now (its controller; operators): it changes every period",
    responses=problem_responses({404: "`unknown-bank`."}),
)
async def presence_code(
    station_id: StationId,
    code: BankCodePath,
    session: SessionDep,
    tools: ToolsDep,
    caller: ControllerOrOperator,
    response: Response,
) -> PresenceCode:
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, code=code)
    if not caller.has_any_scope(Scope.OPERATE):
        check_controller_of(caller, bank)
    shown, until = codes.presence_now(tools, bank)
    response.headers["Cache-Control"] = "no-store"
    return PresenceCode(
        bank=bank.code, code=shown, period_seconds=tools.settings.presence_code_seconds, valid_until=until
    )


@router.post(
    "/banks/{code}/door-events",
    summary="A controller's journal: doors opened by QR (also while offline) and doors closed; each event counts once",
)
async def door_events(
    station_id: StationId,
    code: BankCodePath,
    events_in: DoorEventsIn,
    session: SessionDep,
    tools: ToolsDep,
    caller: Controller,
) -> DoorEventsResult:
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, code=code)
    check_controller_of(caller, bank)
    results = await service.report_door_events(
        session=session,
        tools=tools,
        station_id=station_id,
        bank_code=code,
        reported=events_in.events,
        controller=caller,
    )
    return DoorEventsResult(results=results)


@router.get(
    "/openings", summary="Every door opening: who, how, when, and how it ended (operators), newest first"
)
async def list_openings(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    page: PageDep,
    bank: Annotated[str | None, Query(pattern=BANK_CODE_PATTERN)] = None,
) -> Page[OpeningPublic]:
    rows, next_cursor = await service.list_openings(
        session=session, station_id=station_id, page=page, bank_code=bank
    )
    return Page[OpeningPublic](items=[OpeningPublic(**row) for row in rows], next_cursor=next_cursor)
