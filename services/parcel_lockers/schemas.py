"""parcel_lockers' HTTP shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.common.contracts.lockers import CompartmentSize, CompartmentState
from services.common.fields import JSON_INTEGER, ClientId, Label, StrictInput
from services.parcel_lockers import domain

# Codes and labels are printed on the doors and appear in paths: short, upper-case, no punctuation.
BANK_CODE_PATTERN = r"^[A-Z0-9]{1,8}$"
LABEL_PATTERN = r"^[A-Z0-9]{1,8}$"
BankCode = Annotated[str, Field(pattern=BANK_CODE_PATTERN, examples=["A"])]
CompartmentLabel = Annotated[str, Field(pattern=LABEL_PATTERN, examples=["A01"])]


class CompartmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    label: str
    size: CompartmentSize
    state: CompartmentState
    out_of_service_reason: str | None
    updated_at: datetime


class SizeAvailability(BaseModel):
    free: int
    total: int


class BankPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    code: str
    name: str
    location: str
    level: int
    controller_client_id: str | None
    availability: dict[CompartmentSize, SizeAvailability]
    compartments: list[CompartmentPublic]


class BankAvailability(BaseModel):
    """What anyone may know of a bank: where it is and how many compartments of each size are free;
    nothing about parcels or compartments."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    location: str
    level: int
    availability: dict[CompartmentSize, SizeAvailability]


class AvailabilityBoard(BaseModel):
    station_id: str
    banks: list[BankAvailability]


class BankList(BaseModel):
    station_id: str
    banks: list[BankPublic]


class CompartmentIn(StrictInput):
    label: CompartmentLabel
    size: CompartmentSize


class BankCreate(StrictInput):
    code: BankCode
    name: Label = Field(examples=["Consigne colis — hall principal"])
    location: Label = Field(examples=["Hall nord, niveau -1"])
    level: Annotated[
        int,
        Field(ge=-10, le=10, description="Station level, 0 at street level, negative below."),
        JSON_INTEGER,
    ]
    controller_client_id: ClientId | None = Field(
        default=None, description="Client id of the locker controller device that drives the doors."
    )
    compartments: list[CompartmentIn] = Field(
        min_length=domain.MIN_COMPARTMENTS, max_length=domain.MAX_COMPARTMENTS
    )


class ServiceStateIn(StrictInput):
    """Put a compartment out of service (with a reason) or back into service."""

    # The schema says what the domain checks (domain.out_of_service_reason_problems): no reason, no
    # taking out of service.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"properties": {"in_service": {"const": False}}, "required": ["in_service"]},
            "then": {"required": ["reason"], "properties": {"reason": {"type": "string"}}},
        }
    )

    in_service: bool
    reason: Annotated[Label, Field(max_length=domain.MAX_REASON_LENGTH)] | None = Field(
        default=None,
        description="Required to take the compartment out of service: what is wrong with it.",
        examples=["Porte bloquée — intervention prévue"],
    )
