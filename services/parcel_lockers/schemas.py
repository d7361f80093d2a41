"""parcel_lockers' HTTP shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from kernel.contracts import doors
from kernel.contracts.lockers import CompartmentSize, CompartmentState
from kernel.fields import (
    JSON_INTEGER,
    Carrier,
    ClientId,
    Label,
    PhoneNumberInput,
    StrictInput,
)
from services.parcel_lockers import domain

# Codes and labels are printed on the doors and appear in paths: short, upper-case, no punctuation.
BANK_CODE_PATTERN = r"^[A-Z0-9]{1,8}$"
LABEL_PATTERN = r"^[A-Z0-9]{1,8}$"
BankCode = Annotated[str, Field(pattern=BANK_CODE_PATTERN, examples=["A"])]
CompartmentLabel = Annotated[str, Field(pattern=LABEL_PATTERN, examples=["A01"])]
RetentionDays = Annotated[
    int,
    Field(ge=1, le=30, description="Days a parcel waits for its recipient before it is returned."),
    JSON_INTEGER,
]
CarrierReference = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]
Centimetres = Annotated[int, Field(ge=1, le=200), JSON_INTEGER]


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
    retention_days: int
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
    retention_days: RetentionDays = domain.DEFAULT_RETENTION_DAYS


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


class BankUpdate(StrictInput):
    """Change what operators configure on a bank; compartments change one by one."""

    name: Label | None = None
    location: Label | None = None
    controller_client_id: ClientId | None = None
    retention_days: RetentionDays | None = None


class Dimensions(StrictInput):
    height: Centimetres
    width: Centimetres
    depth: Centimetres


class DepositIn(StrictInput):
    """A courier deposits a parcel: the service picks the smallest free compartment that fits."""

    bank: BankCode
    carrier: Carrier
    carrier_reference: CarrierReference = Field(
        description="Idempotency: the same reference twice is one parcel."
    )
    size: CompartmentSize | None = Field(default=None, description="The size class; or give `dimensions`.")
    dimensions: Dimensions | None = None
    recipient_phone: PhoneNumberInput


class BulkDepositIn(StrictInput):
    parcels: list[DepositIn] = Field(min_length=1, max_length=50)


class ShipmentIn(StrictInput):
    """A traveller books a compartment to send a parcel (a return to a merchant)."""

    bank: BankCode
    carrier: Carrier
    carrier_reference: CarrierReference
    size: CompartmentSize


class StatusChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    status: domain.ParcelStatus
    actor: str
    at: datetime


class ParcelPublic(BaseModel):
    id: str
    direction: domain.Direction
    carrier: str
    carrier_reference: str
    size: CompartmentSize
    status: domain.ParcelStatus
    bank: str
    compartment: str | None
    recipient_phone: str | None
    expires_at: datetime | None
    door_open: bool
    history: list[StatusChangePublic]


class DepositPublic(BaseModel):
    parcel: ParcelPublic
    door: Literal["open"]


class BulkDepositResult(BaseModel):
    """One entry per parcel of the round, in order: deposited, or the problem that stopped it."""

    results: list[dict[str, Any]]


class ShipmentPublic(BaseModel):
    parcel: ParcelPublic
    drop_off_code: str = Field(description="Shown once: type it on the bank's keypad to open the door.")


class UnlockTokenPublic(BaseModel):
    token: str
    token_id: str
    expires_at: datetime
    qr_svg: str


class OpenPublic(BaseModel):
    parcel: ParcelPublic
    door: Literal["open"]
    compartment: str


class OpenIn(StrictInput):
    presence_code: Annotated[
        str | None,
        Field(
            default=None,
            pattern=r"^[0-9]{6}$",
            description="The code on the bank's screen (proof the traveller stands at the bank); "
            "required from the recipient, not from couriers.",
        ),
    ] = None


class PresenceCode(BaseModel):
    bank: str
    code: str
    period_seconds: int
    valid_until: datetime = Field(
        description="When the screen shows the next code (this one is accepted one period more)."
    )


class KeypadIn(StrictInput):
    code: Annotated[str, Field(pattern=r"^[0-9]{4,12}$")]


class KeypadOpen(BaseModel):
    compartment: str
    parcel_id: str


class DoorEventIn(doors.DoorEvent):
    """What a controller saw at a door; `opened` events come with the QR token that opened it (the
    door protocol's `DoorEvent`, kernel/contracts/doors.py)."""


class DoorEventsIn(StrictInput):
    events: list[DoorEventIn] = Field(min_length=1, max_length=500)


class DoorEventOutcome(BaseModel):
    id: str
    outcome: Literal["applied", "duplicate", "refused"]
    detail: str | None = None
    first_outcome: Literal["applied", "refused"] | None = Field(
        default=None, description="For a `duplicate`: what the event's first report was answered."
    )


class DoorEventsResult(BaseModel):
    results: list[DoorEventOutcome]


class OpeningPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    bank: str
    compartment: str
    parcel_id: str | None
    actor: str
    method: str
    purpose: str
    outcome: str
    requested_at: datetime
    opened_at: datetime | None
    closed_at: datetime | None


class SweepResult(BaseModel):
    expired: int
    reminded: int
    door_faults: int
