"""The door-command protocol between parcel_lockers and a bank's controller: the one place both ends
agree on it.

Commands are NATS request-reply on `gare.{station}.device.{controller}.{command}` with JSON bodies;
every reply says `ok`, and an open door is acked explicitly (`"door": "open"`). What a controller saw
at its doors (opened by a QR token, closed) it reports over HTTP as door events, each by its id.
`kernel/tests/data/door_contracts.json` records the JSON schema of each: a change on one side shows there.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from kernel.fields import StrictInput, Timestamp

Command = Literal["open", "status", "scan"]
OPEN: Final = "open"
STATUS: Final = "status"
SCAN: Final = "scan"
COMMANDS: tuple[Command, ...] = (OPEN, STATUS, SCAN)
DoorPurpose = Literal["deposit", "collect", "return", "drop_off", "carrier_pickup"]
CompartmentLabel = Annotated[str, Field(pattern=r"^[A-Z0-9]{1,8}$", examples=["A01"])]
ParcelId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


def command_subject(station_id: str, controller: str, command: Command) -> str:
    """Where a controller takes `command`."""
    return f"gare.{station_id}.device.{controller}.{command}"


def controller_subjects(station_id: str, controller: str) -> str:
    """Every command of one controller (what it subscribes to)."""
    return f"gare.{station_id}.device.{controller}.>"


def command_of(subject: str) -> str:
    """The command a subject names (its last token)."""
    return subject.rsplit(".", 1)[-1]


# -- commands (the service asks) ---------------------------------------------------------------


class OpenDoor(BaseModel):
    """Open one compartment's door, for an opening the service recorded first."""

    model_config = ConfigDict(extra="ignore")

    compartment: CompartmentLabel
    parcel_id: ParcelId | None = None
    opening_id: str = Field(min_length=1, max_length=64)
    purpose: DoorPurpose


class DoorStatusQuery(BaseModel):
    """What the bank's doors and screen show now (no field)."""

    model_config = ConfigDict(extra="ignore")


class ScanToken(BaseModel):
    """The bank's reader read a QR code (the simulator takes it on NATS)."""

    model_config = ConfigDict(extra="ignore")

    token: str = Field(max_length=2000)


# -- replies (the controller answers) ----------------------------------------------------------


class DoorOpened(BaseModel):
    """The explicit ack: the door of `compartment` is open. Every reply states `ok`: an answer
    that does not is no ack."""

    ok: Literal[True]
    command: Literal["open", "scan"]
    compartment: str
    door: Literal["open"]


class DoorStatus(BaseModel):
    ok: Literal[True]
    command: Literal["status"]
    open_doors: list[str]
    # The code the bank's screen shows, which a phone's opening carries (None until fetched).
    presence_code: str | None


class CommandRefused(BaseModel):
    """The command was not carried out (for `open`: the door did not open); `error` says why."""

    ok: Literal[False]
    error: str


def opened(command: Literal["open", "scan"], compartment: str) -> DoorOpened:
    return DoorOpened(ok=True, command=command, compartment=compartment, door="open")


def refused(error: str) -> CommandRefused:
    return CommandRefused(ok=False, error=error)


OpenReply = DoorOpened | CommandRefused
StatusReply = DoorStatus | CommandRefused
OPEN_REPLY: TypeAdapter[OpenReply] = TypeAdapter(OpenReply)


def parse_open_reply(raw: bytes) -> OpenReply | None:
    """A controller's reply to `open`; None when it is not one (unreadable, or another shape)."""
    try:
        return OPEN_REPLY.validate_json(raw)
    except ValidationError:
        return None


# -- door events (the controller reports over HTTP) --------------------------------------------

DoorEventKind = Literal["opened", "closed"]


class DoorEvent(StrictInput):
    """What a controller saw at a door; `opened` events come with the QR token that opened it."""

    id: Annotated[str, Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    kind: DoorEventKind
    compartment: CompartmentLabel
    at: Timestamp
    token: Annotated[str, Field(max_length=2000)] | None = None
    parcel_id: ParcelId | None = None


class DoorEvents(StrictInput):
    events: list[DoorEvent] = Field(min_length=1, max_length=500)


def door_event_body(event: dict[str, Any]) -> dict[str, Any]:
    """An event as sent, without what the controller keeps for itself (the token's id); checked
    against `DoorEvent` (a ValidationError names what drifted)."""
    body = {k: v for k, v in event.items() if k in DoorEvent.model_fields and v is not None}
    DoorEvent.model_validate(body)
    return body


def contract_schemas() -> dict[str, Any]:
    """The JSON schema of every message of the protocol, by name (recorded in the repository)."""
    messages: dict[str, Any] = {
        "OpenDoor": OpenDoor,
        "DoorStatusQuery": DoorStatusQuery,
        "ScanToken": ScanToken,
        "DoorOpened": DoorOpened,
        "DoorStatus": DoorStatus,
        "CommandRefused": CommandRefused,
        "DoorEvent": DoorEvent,
        "DoorEvents": DoorEvents,
    }
    schemas = {name: model.model_json_schema() for name, model in messages.items()}
    schemas["subjects"] = {c: command_subject("{station}", "{controller}", c) for c in COMMANDS}
    return schemas
