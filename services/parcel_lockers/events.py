"""What parcel_lockers publishes on NATS."""

from __future__ import annotations

from datetime import datetime

from kernel.contracts import lockers
from kernel.contracts.lockers import CompartmentState
from kernel.db import utcnow
from kernel.events import OutgoingEvent, new_event
from services.parcel_lockers.models import Compartment, LockerBank, Parcel


def bank_registered(bank: LockerBank) -> OutgoingEvent:
    data = lockers.BankRegistered(
        bank_id=bank.id,
        code=bank.code,
        name=bank.name,
        location=bank.location,
        level=bank.level,
        controller_client_id=bank.controller_client_id,
        compartments=[
            lockers.RegisteredCompartment(compartment_id=c.id, label=c.label, size=c.size, state=c.state)
            for c in bank.compartments
        ],
    )
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.BANK,
        verb=lockers.REGISTERED,
        data=data,
        subject=bank.id,
    )


def compartment_state_changed(
    bank: LockerBank, compartment: Compartment, *, previous_state: CompartmentState, reason: str | None
) -> OutgoingEvent:
    data = lockers.CompartmentStateChanged(
        bank_id=bank.id,
        bank_code=bank.code,
        compartment_id=compartment.id,
        label=compartment.label,
        size=compartment.size,
        previous_state=previous_state,
        state=compartment.state,
        reason=reason,
    )
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.COMPARTMENT,
        verb=lockers.STATE_CHANGED,
        data=data,
        subject=compartment.id,
    )


def availability_changed(bank: LockerBank) -> OutgoingEvent:
    """Staged on every change of a bank's free counts: the kiosk and screens keep their panels from it."""
    data = lockers.BankAvailabilityChanged(
        bank_id=bank.id,
        bank_code=bank.code,
        name=bank.name,
        level=bank.level,
        availability={size: lockers.SizeAvailability(**counts) for size, counts in bank.availability.items()},
        changed_at=utcnow(),
    )
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.BANK,
        verb=lockers.AVAILABILITY_CHANGED,
        data=data,
        subject=bank.id,
    )


def parcel_event(verb: str, bank: LockerBank, parcel: Parcel, compartment_label: str | None) -> OutgoingEvent:
    data = lockers.ParcelEvent(
        parcel_id=parcel.id,
        bank_id=bank.id,
        bank_code=bank.code,
        compartment_label=compartment_label,
        direction=parcel.direction,
        carrier=parcel.carrier,
        carrier_reference=parcel.carrier_reference,
        size=parcel.size,
        status=parcel.status,
        expires_at=parcel.expires_at,
        at=utcnow(),
    )
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.PARCEL,
        verb=verb,
        data=data,
        subject=parcel.id,
    )


def door_fault(
    bank: LockerBank, compartment: Compartment, *, reason: str, opening_id: str | None
) -> OutgoingEvent:
    data = lockers.DoorFault(
        bank_id=bank.id,
        bank_code=bank.code,
        compartment_id=compartment.id,
        label=compartment.label,
        reason=reason,
        opening_id=opening_id,
    )
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.COMPARTMENT,
        verb=lockers.DOOR_FAULT,
        data=data,
        subject=compartment.id,
    )


def keypad_locked(bank: LockerBank, *, failures: int, locked_until: datetime) -> OutgoingEvent:
    data = lockers.KeypadLocked(
        bank_id=bank.id, bank_code=bank.code, failures=failures, locked_until=locked_until
    )
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.BANK,
        verb=lockers.KEYPAD_LOCKED,
        data=data,
        subject=bank.id,
    )


def token_replayed(bank: LockerBank, *, token_id: str, parcel_id: str | None) -> OutgoingEvent:
    data = lockers.TokenReplayed(bank_id=bank.id, bank_code=bank.code, token_id=token_id, parcel_id=parcel_id)
    return new_event(
        station_id=bank.station_id,
        domain=lockers.DOMAIN,
        entity=lockers.BANK,
        verb=lockers.TOKEN_REPLAYED,
        data=data,
        subject=bank.id,
    )
