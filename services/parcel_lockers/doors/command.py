"""The door command sent to a bank's controller: NATS request-reply with a timeout and an explicit ack."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Literal

import nats.errors

from kernel.bus import BusUnavailable, NatsBus

log = logging.getLogger(__name__)

DoorAnswer = Literal["open", "jammed", "unreachable"]


@dataclass(frozen=True)
class OpenCommand:
    station_id: str
    controller: str
    compartment: str
    parcel_id: str | None
    opening_id: str
    purpose: str

    @property
    def subject(self) -> str:
        return f"gare.{self.station_id}.device.{self.controller}.open"


async def send_open(bus: NatsBus, command: OpenCommand, *, timeout: float) -> tuple[DoorAnswer, str | None]:
    """`open` when the controller acked an open door; `jammed` when it answered that the door did
    not open; `unreachable` when nobody answered in time (the door stayed shut)."""
    payload = json.dumps(
        {
            "compartment": command.compartment,
            "parcel_id": command.parcel_id,
            "opening_id": command.opening_id,
            "purpose": command.purpose,
        }
    ).encode()
    try:
        raw = await bus.request(command.subject, payload, timeout=timeout)
    except (BusUnavailable, nats.errors.Error, TimeoutError) as exc:
        log.warning(
            "locker controller did not answer",
            extra={
                "controller": command.controller,
                "opening_id": command.opening_id,
                "error": type(exc).__name__,
            },
        )
        return "unreachable", type(exc).__name__
    try:
        reply = json.loads(raw)
    except ValueError:
        return "unreachable", "unreadable reply"
    if isinstance(reply, dict) and reply.get("ok") is True and reply.get("door") == "open":
        return "open", None
    error = reply.get("error") if isinstance(reply, dict) else None
    return "jammed", str(error or "the controller did not open the door")
