"""Locker banks' routes: the public availability (hot reads), the operators' banks and compartments."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from kernel.db import one_or_404
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.errors import Forbidden
from kernel.hot_reads import HotRead, Rendered, hot_get
from kernel.openapi import problem_responses
from kernel.pagination import Page, page_of_items
from kernel.registry import PARCEL_LOCKERS
from kernel.stations import STATION_SLUG_PATTERN
from services.parcel_lockers import domain
from services.parcel_lockers.banks import service
from services.parcel_lockers.deps import BankCodePath, BankIdPath, LabelPath, Operator, PageDep, Reader
from services.parcel_lockers.models import LockerBank
from services.parcel_lockers.schemas import (
    BANK_CODE_PATTERN,
    AvailabilityBoard,
    BankAvailability,
    BankCreate,
    BankPublic,
    BankUpdate,
    CompartmentPublic,
    ServiceStateIn,
)

router = APIRouter(prefix=PARCEL_LOCKERS.path_prefix, tags=["lockers"])
# Free compartments change with every deposit and pickup: reuse an answer for a few seconds at most.
AVAILABILITY_CACHE_CONTROL = "public, max-age=5"

AVAILABILITY = HotRead(
    name="lockers-availability",
    path=f"{PARCEL_LOCKERS.path_prefix}/availability",
    params={"station_id": STATION_SLUG_PATTERN},
    tags=lambda request: [service.BANKS],
    cache_control=AVAILABILITY_CACHE_CONTROL,
)
BANK_AVAILABILITY = HotRead(
    name="bank-availability",
    path=f"{PARCEL_LOCKERS.path_prefix}/availability/{{code}}",
    params={"station_id": STATION_SLUG_PATTERN, "code": BANK_CODE_PATTERN},
    tags=lambda request: [service.bank_tag(request.params["code"])],
    cache_control=AVAILABILITY_CACHE_CONTROL,
)


@hot_get(
    router,
    AVAILABILITY,
    response_model=AvailabilityBoard,
    summary="Free compartments by size in each bank (public: no parcel or compartment detail)",
)
async def availability(
    station_id: StationId, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    async def render() -> Rendered:
        banks = await service.list_banks(session=session, station_id=station_id)
        return Rendered.of(
            AvailabilityBoard(
                station_id=station_id, banks=[BankAvailability.model_validate(b) for b in banks]
            )
        )

    entry = await runtime.hot.entry_for(AVAILABILITY, request, render)
    return entry.response(request)


@hot_get(
    router,
    BANK_AVAILABILITY,
    response_model=BankAvailability,
    summary="Free compartments by size in one bank, by its code (public)",
)
async def bank_availability(
    station_id: StationId, code: BankCodePath, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    async def render() -> Rendered:
        bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, code=code)
        return Rendered.of(BankAvailability.model_validate(bank))

    entry = await runtime.hot.entry_for(BANK_AVAILABILITY, request, render)
    return entry.response(request)


@router.get("/banks", summary="The station's locker banks by code, with their compartments and availability")
async def list_banks(
    station_id: StationId, session: SessionDep, caller: Reader, page: PageDep
) -> Page[BankPublic]:
    # A station has a few banks, all read for the availability board anyway: paged in memory.
    banks = [
        b
        for b in await service.list_banks(session=session, station_id=station_id)
        if domain.may_see_bank(caller, code=b.code, controller_client_id=b.controller_client_id)
    ]
    items, next_cursor = page_of_items(banks, lambda b: (b.code,), page)
    return Page[BankPublic](items=[BankPublic.model_validate(b) for b in items], next_cursor=next_cursor)


@router.get("/banks/{bank_id}", summary="One locker bank with its compartments and availability")
async def get_bank(
    station_id: StationId, bank_id: BankIdPath, session: SessionDep, caller: Reader
) -> BankPublic:
    bank = await one_or_404(session, LockerBank, "unknown-bank", station_id=station_id, id=bank_id)
    if not domain.may_see_bank(caller, code=bank.code, controller_client_id=bank.controller_client_id):
        raise Forbidden(f"This controller does not drive bank {bank.code!r}.")
    return BankPublic.model_validate(bank)


@router.post(
    "/banks",
    status_code=status.HTTP_201_CREATED,
    summary="Register a locker bank and its compartments; publishes bank.registered",
    responses=problem_responses({409: "`duplicate-bank-code`: the station has a bank with this code."}),
)
async def register_bank(
    station_id: StationId, bank_in: BankCreate, session: SessionDep, _: Operator
) -> BankPublic:
    bank = await service.register_bank(session=session, station_id=station_id, bank_in=bank_in)
    return BankPublic.model_validate(bank)


@router.put(
    "/banks/{bank_id}/compartments/{label}/service-state",
    summary="Take a compartment out of service or return it; publishes compartment.state_changed",
    responses=problem_responses(
        {
            409: [
                "`compartment-busy`: a parcel is in or reserved for the compartment.",
                "`compartment-changed`: its state changed meanwhile; read it again.",
            ]
        }
    ),
)
async def set_service_state(
    station_id: StationId,
    bank_id: BankIdPath,
    label: LabelPath,
    state_in: ServiceStateIn,
    session: SessionDep,
    _: Operator,
) -> CompartmentPublic:
    compartment = await service.set_service_state(
        session=session, station_id=station_id, bank_id=bank_id, label=label, state_in=state_in
    )
    return CompartmentPublic.model_validate(compartment)


@router.patch(
    "/banks/{bank_id}",
    summary="Change a bank's name, location, controller or retention days",
)
async def update_bank(
    station_id: StationId, bank_id: BankIdPath, bank_in: BankUpdate, session: SessionDep, _: Operator
) -> BankPublic:
    bank = await service.update_bank(session=session, station_id=station_id, bank_id=bank_id, bank_in=bank_in)
    return BankPublic.model_validate(bank)


@router.delete(
    "/banks/{bank_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire a bank that holds no parcel",
    responses=problem_responses({409: "`bank-in-use`: parcels are still in it."}),
)
async def retire_bank(
    station_id: StationId, bank_id: BankIdPath, session: SessionDep, _: Operator
) -> Response:
    await service.retire_bank(session=session, station_id=station_id, bank_id=bank_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
