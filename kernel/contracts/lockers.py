"""Events of parcel_lockers (subject token `lockers`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from kernel.registry import PARCEL_LOCKERS

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


# -- parcels (subject `gare.{station}.lockers.parcel.{verb}`) --------------------------------------

PARCEL = "parcel"
# Verbs of parcel events: one per status a parcel reaches.
DEPOSITED = "deposited"
READY_FOR_PICKUP = "ready_for_pickup"
COLLECTED = "collected"
EXPIRED = "expired"
RETURNED = "returned"
EXPIRY_REMINDER = "expiry_reminder"
ParcelDirection = Literal["inbound", "outbound"]


class ParcelEvent(BaseModel):
    """A parcel reached a status. No phone number and no code: those stay in the service."""

    parcel_id: str
    bank_id: str
    bank_code: str
    compartment_label: str | None
    direction: ParcelDirection
    carrier: str
    carrier_reference: str
    size: CompartmentSize
    status: str
    expires_at: datetime | None
    at: datetime


# -- faults for operators ---------------------------------------------------------------------------

DOOR_FAULT = "door_fault"
KEYPAD_LOCKED = "keypad_locked"
TOKEN_REPLAYED = "token_replayed"


class DoorFault(BaseModel):
    """A door that did not open (the controller said so) or stayed open too long; the compartment is
    out of service until an operator returns it."""

    bank_id: str
    bank_code: str
    compartment_id: str
    label: str
    reason: str
    opening_id: str | None


class KeypadLocked(BaseModel):
    """Five wrong codes in a row at a bank's keypad: it refuses codes until `locked_until`."""

    bank_id: str
    bank_code: str
    failures: int
    locked_until: datetime


class TokenReplayed(BaseModel):
    """A controller reported an opening with an unlock token already used: nothing was applied twice."""

    bank_id: str
    bank_code: str
    token_id: str
    parcel_id: str | None
