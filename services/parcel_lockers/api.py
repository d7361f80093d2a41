"""parcel_lockers' routes under /api/v1/stations/{station_id}/lockers: thin, the rules live elsewhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from services.common.auth import Principal
from services.common.deps import SessionDep, StationId, require_roles
from services.common.openapi import problem_responses
from services.parcel_lockers import service
from services.parcel_lockers.schemas import (
    LABEL_PATTERN,
    BankCreate,
    BankList,
    BankPublic,
    CompartmentPublic,
    ServiceStateIn,
)

router = APIRouter(prefix="/api/v1/stations/{station_id}/lockers", tags=["lockers"])
BankIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The bank's id (32 hex digits)")]
LabelPath = Annotated[str, Path(pattern=LABEL_PATTERN, description="The compartment's label, e.g. A01")]
Operator = Annotated[Principal, Depends(require_roles("operator"))]
Reader = Annotated[Principal, Depends(require_roles("operator", "courier", "device"))]


@router.get("/banks", summary="The station's locker banks, with their compartments and availability")
async def list_banks(station_id: StationId, session: SessionDep, _: Reader) -> BankList:
    banks = await service.list_banks(session=session, station_id=station_id)
    return BankList(station_id=station_id, banks=[BankPublic.model_validate(b) for b in banks])


@router.get("/banks/{bank_id}", summary="One locker bank with its compartments and availability")
async def get_bank(station_id: StationId, bank_id: BankIdPath, session: SessionDep, _: Reader) -> BankPublic:
    bank = await service.get_bank_or_raise(session=session, station_id=station_id, bank_id=bank_id)
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
