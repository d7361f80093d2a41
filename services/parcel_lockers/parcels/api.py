"""Parcels' routes: deposits, the parcels' lists, opening a parcel's door, QR unlock tokens, shipments."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select

from kernel.auth import Principal, Scope
from kernel.deps import SessionDep, StationId
from kernel.errors import Problem
from kernel.notifier import masked_number
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.qr import qr_svg
from kernel.registry import PARCEL_LOCKERS
from services.parcel_lockers import domain
from services.parcel_lockers.deps import (
    Anyone,
    Courier,
    PageDep,
    ParcelIdPath,
    Sender,
    Staff,
    ToolsDep,
    Traveller,
)
from services.parcel_lockers.models import Compartment, LockerBank, Parcel
from services.parcel_lockers.parcels import service
from services.parcel_lockers.parcels.lifecycle import visible_parcel_or_raise
from services.parcel_lockers.schemas import (
    BANK_CODE_PATTERN,
    BulkDepositIn,
    BulkDepositResult,
    DepositIn,
    DepositPublic,
    OpenIn,
    OpenPublic,
    ParcelPublic,
    ShipmentIn,
    ShipmentPublic,
    StatusChangePublic,
    UnlockTokenPublic,
)
from services.parcel_lockers.unlock import qr_png

router = APIRouter(prefix=PARCEL_LOCKERS.path_prefix, tags=["lockers"])
PARCEL_STATUS = "`parcel-status`: the parcel's status does not allow this now."
UNKNOWN_PARCEL = "`unknown-parcel`: no such parcel here (or not yours)."
DOOR_PROBLEMS = {
    409: [
        PARCEL_STATUS,
        "`door-busy`: its door is being opened by someone else.",
        "`no-controller`: the bank has no controller.",
    ],
    502: "`door-jammed`: the controller says the door did not open; the compartment is out of service.",
    504: "`controller-timeout`: the controller did not answer; nothing opened, try again.",
}


async def present(
    session: SessionDep, parcel: Parcel, caller: Principal, *, bank_code: str | None = None
) -> ParcelPublic:
    """A parcel as `caller` may read it: the recipient's number whole for operators only. Its bank's
    code is read unless the caller has it."""
    if bank_code is None:
        bank_code = await session.scalar(select(LockerBank.code).where(LockerBank.id == parcel.bank_id))
    compartment = await session.get(Compartment, parcel.compartment_id) if parcel.compartment_id else None
    return ParcelPublic(
        id=parcel.id,
        direction=parcel.direction,
        carrier=parcel.carrier,
        carrier_reference=parcel.carrier_reference,
        size=parcel.size,
        status=parcel.status,
        bank=str(bank_code),
        compartment=compartment.label if compartment else None,
        recipient_phone=parcel.recipient_phone
        if parcel.recipient_phone is None or domain.may_read_phone_numbers(caller)
        else masked_number(parcel.recipient_phone),
        expires_at=parcel.expires_at,
        door_open=parcel.active_opening_id is not None,
        history=[StatusChangePublic.model_validate(h) for h in parcel.history],
    )


async def present_page(
    session: SessionDep, station_id: str, parcels: list[Parcel], next_cursor: str | None, caller: Principal
) -> Page[ParcelPublic]:
    codes = await service.bank_codes(session=session, station_id=station_id)
    # The page's compartments in one query: `present` then finds each in the session.
    await service.load_compartments(
        session=session, ids={p.compartment_id for p in parcels if p.compartment_id}
    )
    items = [await present(session, p, caller, bank_code=codes.get(p.bank_id)) for p in parcels]
    return Page[ParcelPublic](items=items, next_cursor=next_cursor)


@router.post(
    "/deposits",
    status_code=status.HTTP_201_CREATED,
    summary="Deposit a parcel: the smallest free compartment that fits opens (idempotent on the carrier reference)",
    responses=problem_responses(
        {
            409: [
                "`sizes-full`: every fitting compartment is taken; `full_sizes` names them.",
                "`duplicate-reference`: the reference names another parcel.",
                "`no-controller`: the bank has no controller.",
            ],
            403: "`other-carrier`: a courier deposits its own carrier's parcels only.",
            422: "`validation-error`: no compartment of the bank is large enough (`size`/`dimensions`).",
            502: DOOR_PROBLEMS[502],
            504: DOOR_PROBLEMS[504],
        }
    ),
)
async def deposit(
    station_id: StationId,
    deposit_in: DepositIn,
    response: Response,
    session: SessionDep,
    tools: ToolsDep,
    courier: Courier,
) -> DepositPublic:
    parcel, created = await service.deposit(
        session=session, tools=tools, station_id=station_id, deposit_in=deposit_in, courier=courier
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return DepositPublic(parcel=await present(session, parcel, courier), door="open")


@router.post(
    "/deposits/bulk",
    summary="Deposit a courier's round: each parcel in turn, each result (or problem) in order",
)
async def bulk_deposit(
    station_id: StationId, round_in: BulkDepositIn, session: SessionDep, tools: ToolsDep, courier: Courier
) -> BulkDepositResult:
    results: list[dict[str, Any]] = []
    for deposit_in in round_in.parcels:
        try:
            parcel, created = await service.deposit(
                session=session, tools=tools, station_id=station_id, deposit_in=deposit_in, courier=courier
            )
        except Problem as problem:
            await session.rollback()
            results.append(
                {
                    "carrier_reference": deposit_in.carrier_reference,
                    "status": problem.status,
                    "problem": problem.slug,
                    "detail": problem.detail,
                }
            )
            continue
        results.append(
            {
                "carrier_reference": deposit_in.carrier_reference,
                "status": 201 if created else 200,
                "parcel": (await present(session, parcel, courier)).model_dump(mode="json"),
            }
        )
    return BulkDepositResult(results=results)


@router.get("/parcels", summary="The station's parcels for operators and couriers, filtered, newest first")
async def list_parcels(
    station_id: StationId,
    session: SessionDep,
    caller: Staff,
    page: PageDep,
    status_filter: Annotated[domain.ParcelStatus | None, Query(alias="status")] = None,
    bank: Annotated[str | None, Query(pattern=BANK_CODE_PATTERN)] = None,
    q: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z0-9._-]{1,64}$",
            description="A parcel's id, or a carrier reference or its beginning (case as given).",
        ),
    ] = None,
) -> Page[ParcelPublic]:
    parcels, next_cursor = await service.list_parcels(
        session=session,
        station_id=station_id,
        page=page,
        # Couriers list their own carrier's parcels only (a courier without a carrier: none).
        carrier=None if caller.has_any_scope(Scope.OPERATE) else domain.courier_carrier(caller) or "",
        status=status_filter,
        bank_code=bank,
        search=q,
    )
    return await present_page(session, station_id, parcels, next_cursor, caller)


@router.get("/parcels/mine", summary="The signed-in traveller's parcels at this station, newest first")
async def my_parcels(
    station_id: StationId, session: SessionDep, caller: Traveller, page: PageDep
) -> Page[ParcelPublic]:
    phone = caller.claims.get("phone_number")
    parcels, next_cursor = await service.parcels_of(
        session=session,
        station_id=station_id,
        phone=phone if isinstance(phone, str) else None,
        subject=caller.subject,
        page=page,
    )
    return await present_page(session, station_id, parcels, next_cursor, caller)


@router.get(
    "/parcels/{parcel_id}",
    summary="One parcel with its history (its recipient, couriers, operators)",
    responses=problem_responses({404: UNKNOWN_PARCEL}),
)
async def get_parcel(
    station_id: StationId, parcel_id: ParcelIdPath, session: SessionDep, caller: Anyone
) -> ParcelPublic:
    parcel = await visible_parcel_or_raise(
        session=session, station_id=station_id, parcel_id=parcel_id, caller=caller
    )
    return await present(session, parcel, caller)


@router.post(
    "/parcels/{parcel_id}/open",
    summary="Open the parcel's door: the recipient collects or drops off, a courier takes it back",
    responses=problem_responses(
        {
            404: UNKNOWN_PARCEL,
            403: "`presence-required` or `presence-code`: the recipient must send the code the bank's "
            "screen shows now (the previous one is still accepted).",
            429: "`presence-locked`: five wrong screen codes for this parcel; retry after `Retry-After`.",
            **DOOR_PROBLEMS,
        }
    ),
)
async def open_parcel(
    station_id: StationId,
    parcel_id: ParcelIdPath,
    session: SessionDep,
    tools: ToolsDep,
    caller: Anyone,
    open_in: OpenIn | None = None,
) -> OpenPublic:
    opened = await service.open_parcel(
        session=session,
        tools=tools,
        station_id=station_id,
        parcel_id=parcel_id,
        caller=caller,
        presence_code=open_in.presence_code if open_in else None,
    )
    return OpenPublic(
        parcel=await present(session, opened.parcel, caller, bank_code=opened.bank_code),
        door="open",
        compartment=opened.compartment,
    )


@router.post(
    "/parcels/{parcel_id}/door-closed",
    summary="Say the door is closed (who opened it, or an operator), for controllers without a door sensor",
    responses=problem_responses({404: UNKNOWN_PARCEL, 409: "`door-not-open`: no door is open for it."}),
)
async def door_closed(
    station_id: StationId, parcel_id: ParcelIdPath, session: SessionDep, tools: ToolsDep, caller: Anyone
) -> ParcelPublic:
    parcel = await service.door_closed_by_operator_or_courier(
        session=session, tools=tools, station_id=station_id, parcel_id=parcel_id, caller=caller
    )
    return await present(session, parcel, caller)


@router.post(
    "/parcels/{parcel_id}/unlock-tokens",
    status_code=status.HTTP_201_CREATED,
    summary="A signed, single-use, short-lived unlock token and its QR code, for the bank's reader",
    responses=problem_responses({404: UNKNOWN_PARCEL, 409: PARCEL_STATUS}),
)
async def unlock_token(
    station_id: StationId, parcel_id: ParcelIdPath, session: SessionDep, tools: ToolsDep, caller: Traveller
) -> UnlockTokenPublic:
    token, claims = await service.unlock_token(
        session=session, tools=tools, station_id=station_id, parcel_id=parcel_id, caller=caller
    )
    return UnlockTokenPublic(
        token=token,
        token_id=claims.jti,
        expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
        qr_svg=qr_svg(token),
    )


@router.get(
    "/parcels/{parcel_id}/qr.png",
    summary="A fresh unlock token as a PNG QR code",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}},
        **problem_responses({404: UNKNOWN_PARCEL, 409: PARCEL_STATUS}),
    },
)
async def unlock_qr_png(
    station_id: StationId, parcel_id: ParcelIdPath, session: SessionDep, tools: ToolsDep, caller: Traveller
) -> Response:
    token, _ = await service.unlock_token(
        session=session, tools=tools, station_id=station_id, parcel_id=parcel_id, caller=caller
    )
    return Response(qr_png(token), media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post(
    "/shipments",
    status_code=status.HTTP_201_CREATED,
    summary="Book a compartment to send a parcel; the drop-off code is shown once",
    responses=problem_responses(
        {409: ["`sizes-full`: every fitting compartment is taken.", "`duplicate-reference`: already booked."]}
    ),
)
async def book_shipment(
    station_id: StationId, shipment_in: ShipmentIn, session: SessionDep, tools: ToolsDep, caller: Sender
) -> ShipmentPublic:
    parcel, code = await service.book_shipment(
        session=session, station_id=station_id, tools=tools, shipment_in=shipment_in, traveller=caller
    )
    return ShipmentPublic(parcel=await present(session, parcel, caller), drop_off_code=code)
