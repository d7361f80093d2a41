"""The locker controller's journal fails item by item: a line it cannot read does not keep the
controller from starting, and a door event the service refuses does not hold the others back."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from prometheus_client import REGISTRY

from devices.client import DeviceSession
from devices.locker_controller import JOURNAL_LOOP, Journal, LockerController
from kernel.db import utcnow
from services.parcel_lockers.tests.test_api import CONTROLLER_A
from services.parcel_lockers.tests.test_parcels import redis_server, station  # noqa: F401 (fixtures)


def journal_failures() -> float:
    return REGISTRY.get_sample_value("gare_loop_item_failures_total", {"loop": JOURNAL_LOOP}) or 0.0


def closed(compartment: str) -> dict[str, str]:
    return {"id": uuid.uuid4().hex, "kind": "closed", "compartment": compartment, "at": utcnow().isoformat()}


def test_a_journal_line_that_cannot_be_read_is_recorded_and_the_rest_replayed(tmp_path: Path):
    good = closed("A01")
    lines = [
        json.dumps({"type": "event", "event": good}),
        '{"type": "event", "ev',  # cut by a crash mid-write
        json.dumps({"type": "event"}),  # not what the controller writes
        "[1, 2]",
        json.dumps({"type": "parcel_done", "parcel_id": "p" * 32}),
    ]
    path = tmp_path / "journal.jsonl"
    path.write_text("\n".join(lines) + "\n")
    before = journal_failures()

    journal = Journal(path)

    assert list(journal.pending) == [good["id"]]
    assert journal.done_parcels == {"p" * 32}
    assert journal_failures() - before == 3


async def test_a_door_event_the_service_refuses_is_set_aside_and_the_others_reported(station, tmp_path: Path):  # noqa: F811
    session = DeviceSession(station.http, gateway="", client_id=CONTROLLER_A, client_secret="unused")
    # The service in process takes the controller's token as the gateway would have issued it.
    session._token, session._expires_at = station.controller_token(), time.monotonic() + 3600
    controller = LockerController(
        station.controller.nats,
        station_id=station.service.runtime.settings.stations[0],
        client_id=CONTROLLER_A,
        journal_path=tmp_path / "controller.jsonl",
        session=session,
    )
    first, poisoned, last = closed("A01"), closed("not a label!"), closed("A02")
    for event in (first, poisoned, last):
        controller.journal.write({"type": "event", "event": event})
    before = journal_failures()

    assert await controller.report() == 2

    assert controller.journal.pending == {}
    assert set(controller.journal.rejected) == {poisoned["id"]}
    assert "compartment" in controller.journal.rejected[poisoned["id"]]
    assert journal_failures() - before == 1
    # On disk too: a restarted controller does not send it again.
    assert Journal(tmp_path / "controller.jsonl").pending == {}
