"""The door command sent to a bank's controller: NATS request-reply with a timeout and an explicit
ack, in the protocol's shapes (kernel/contracts/doors.py)."""

from __future__ import annotations

import logging
from typing import Literal

import nats.errors

from kernel.bus import BusUnavailable, NatsBus
from kernel.contracts import doors

log = logging.getLogger(__name__)

DoorAnswer = Literal["open", "jammed", "unreachable"]


async def send_open(
    bus: NatsBus, station_id: str, controller: str, command: doors.OpenDoor, *, timeout: float
) -> tuple[DoorAnswer, str | None]:
    """`open` when the controller acked an open door; `jammed` when it answered that the door did
    not open; `unreachable` when nobody answered in time (the door stayed shut)."""
    subject = doors.command_subject(station_id, controller, doors.OPEN)
    try:
        raw = await bus.request(subject, command.model_dump_json().encode(), timeout=timeout)
    except (BusUnavailable, nats.errors.Error, TimeoutError) as exc:
        log.warning(
            "locker controller did not answer",
            extra={"controller": controller, "opening_id": command.opening_id, "error": type(exc).__name__},
        )
        return "unreachable", type(exc).__name__
    reply = doors.parse_open_reply(raw)
    if reply is None:
        return "unreachable", "unreadable reply"
    if isinstance(reply, doors.DoorOpened):
        return "open", None
    return "jammed", reply.error or "the controller did not open the door"
