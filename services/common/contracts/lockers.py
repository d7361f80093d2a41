"""Events of parcel_lockers (subject token `lockers`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from services.common.registry import PARCEL_LOCKERS

DOMAIN = PARCEL_LOCKERS.domain
BANK = "bank"
COMPARTMENT = "compartment"
REGISTERED = "registered"
STATE_CHANGED = "state_changed"

CompartmentSize = Literal["S", "M", "L", "XL"]
CompartmentState = Literal["free", "reserved", "occupied", "out_of_service"]


class RegisteredCompartment(BaseModel):
    compartment_id: str
    label: str
    size: CompartmentSize
    state: CompartmentState


class BankRegistered(BaseModel):
    """A new locker bank with all its compartments, so a consumer can build its view from this alone."""

    bank_id: str
    code: str
    name: str
    location: str
    level: int
    controller_client_id: str | None
    compartments: list[RegisteredCompartment]


class CompartmentStateChanged(BaseModel):
    """Published only when the state really changed; `reason` is the operator's, when they gave one."""

    bank_id: str
    bank_code: str
    compartment_id: str
    label: str
    size: CompartmentSize
    previous_state: CompartmentState
    state: CompartmentState
    reason: str | None


AVAILABILITY_CHANGED = "availability_changed"


class SizeAvailability(BaseModel):
    free: int
    total: int


class BankAvailabilityChanged(BaseModel):
    """Free compartments of one bank per size after any change (deposit, collection, out of service).

    Subject `gare.{station}.lockers.bank.availability_changed`; the kiosk and screens keep their
    locker panels from this alone.
    """

    bank_id: str
    bank_code: str
    name: str
    level: int
    availability: dict[CompartmentSize, SizeAvailability]
    changed_at: datetime
