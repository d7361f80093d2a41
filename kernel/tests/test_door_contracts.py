"""The door protocol's messages are what both ends were built against: a field renamed, a type
changed or a subject moved on one side shows here before a controller in a station misreads it.

After a deliberate change of the protocol, record it again:
    .venv/bin/python -m kernel.tests.test_door_contracts
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from kernel.contracts import doors

RECORDED = Path(__file__).parent / "data" / "door_contracts.json"


def test_every_message_of_the_protocol_keeps_its_recorded_schema() -> None:
    recorded = json.loads(RECORDED.read_text())
    current = json.loads(json.dumps(doors.contract_schemas()))
    assert sorted(current) == sorted(recorded)
    for name, schema in recorded.items():
        assert current[name] == schema, f"{name} drifted from {RECORDED.name}"


def test_an_open_ack_and_a_refusal_read_as_what_they_say() -> None:
    ack = doors.parse_open_reply(b'{"ok": true, "command": "open", "compartment": "A01", "door": "open"}')
    assert isinstance(ack, doors.DoorOpened) and ack.compartment == "A01"
    refused = doors.parse_open_reply(b'{"ok": false, "error": "motor stalled"}')
    assert isinstance(refused, doors.CommandRefused) and refused.error == "motor stalled"
    # Neither an ack nor a refusal: the service treats the door as not answered.
    assert doors.parse_open_reply(b'{"ok": true, "door": "closed"}') is None
    assert doors.parse_open_reply(b"not json") is None


def test_a_door_event_is_sent_without_the_controllers_own_fields() -> None:
    event = {
        "id": "0123456789abcdef",
        "kind": "opened",
        "compartment": "A01",
        "at": "2026-12-07T10:00:00+00:00",
        "token": "header.claims.signature",
        "token_id": "kept by the controller",
        "parcel_id": None,
    }
    assert doors.door_event_body(event) == {
        k: v for k, v in event.items() if k not in ("token_id", "parcel_id")
    }
    with pytest.raises(ValidationError):
        doors.door_event_body({**event, "kind": "slammed"})


if __name__ == "__main__":
    RECORDED.parent.mkdir(parents=True, exist_ok=True)
    RECORDED.write_text(json.dumps(doors.contract_schemas(), indent=2, sort_keys=True) + "\n")
    print(f"recorded {RECORDED}")
