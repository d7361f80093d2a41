"""What the routes of every entity share: who may call, the process's tools, path parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from kernel.auth import Principal, Scope
from kernel.deps import RuntimeDep, require_scopes
from kernel.errors import Forbidden
from kernel.pagination import PageRequest, page_request
from services.parcel_lockers.models import LockerBank
from services.parcel_lockers.schemas import BANK_CODE_PATTERN, LABEL_PATTERN
from services.parcel_lockers.tools import Tools, tools_of

BankIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The bank's id (32 hex digits)")]
BankCodePath = Annotated[str, Path(pattern=BANK_CODE_PATTERN, description="The bank's code, e.g. A")]
LabelPath = Annotated[str, Path(pattern=LABEL_PATTERN, description="The compartment's label, e.g. A01")]
ParcelIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The parcel's id (32 hex digits)")]

PageDep = Annotated[PageRequest, Depends(page_request)]

Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
Reader = Annotated[
    Principal, Depends(require_scopes(Scope.OPERATE, Scope.READ_LOCKERS, Scope.CONTROL_LOCKERS))
]
Courier = Annotated[Principal, Depends(require_scopes(Scope.DEPOSIT_PARCELS))]
Staff = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.READ_LOCKERS))]
Traveller = Annotated[Principal, Depends(require_scopes(Scope.COLLECT_PARCELS, Scope.SEND_PARCELS))]
Sender = Annotated[Principal, Depends(require_scopes(Scope.SEND_PARCELS))]
Controller = Annotated[Principal, Depends(require_scopes(Scope.CONTROL_LOCKERS))]
ControllerOrOperator = Annotated[Principal, Depends(require_scopes(Scope.CONTROL_LOCKERS, Scope.OPERATE))]
Anyone = Annotated[
    Principal,
    Depends(
        require_scopes(
            Scope.OPERATE,
            Scope.DEPOSIT_PARCELS,
            Scope.COLLECT_PARCELS,
            Scope.SEND_PARCELS,
            Scope.READ_LOCKERS,
        )
    ),
]


async def get_tools(runtime: RuntimeDep) -> Tools:
    return tools_of(runtime)


ToolsDep = Annotated[Tools, Depends(get_tools)]


def check_controller_of(caller: Principal, bank: LockerBank) -> None:
    """A controller acts on the bank it drives only."""
    if not caller.is_device_bound_to("locker_controller", bank.code) and not (
        caller.device_kind == "locker_controller" and caller.client_id == bank.controller_client_id
    ):
        raise Forbidden(f"This controller does not drive bank {bank.code!r}.")
