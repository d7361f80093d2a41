"""Docks report over NATS (request-reply on a real nats-server), with the HTTP route's rules, and
each accepted report is a `vehicle_station.status_changed` event on JetStream."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from deploy.embedded.infra import NatsServer
from kernel.contracts import mobility
from services.bike_share.app import DEFINITION
from services.bike_share.responders import report_subject
from services.bike_share.settings import Settings
from testkit.service import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    bearer,
    migrated_sqlite_async,
    running_service,
    wait_until,
)

MIGRATIONS = Path(__file__).parents[1] / "services" / "bike_share" / "migrations"
API = f"/api/v1/stations/{SAINT_DENIS}/mobility"
DOCK = "getaround-pleyel-parking"


@pytest.fixture
async def bike_share(
    tmp_path: Path, keys: SigningKey, nats_server: NatsServer
) -> AsyncIterator[ServiceUnderTest]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "bike_share.sqlite")
    async with running_service(
        DEFINITION, Settings, database_url=url, keys=keys, nats_url=nats_server.url
    ) as running:
        # The kernel subscribes the service's responders once it is connected.
        [reports] = running.runtime.background.responders
        await wait_until(lambda: reports.subscribed)
        operator, admin = bearer(keys.operator()), bearer(keys.admin())
        for path, body in (
            ("systems", {"id": "getaround", "name": {"fr": "Getaround"}}),
            (
                "vehicle-types",
                {
                    "id": "getaround-zoe",
                    "system_id": "getaround",
                    "form_factor": "car",
                    "propulsion_type": "electric",
                    "name": {"fr": "Zoé"},
                    "max_range_meters": 300_000,
                },
            ),
            (
                "vehicle-stations",
                {
                    "system_id": "getaround",
                    "external_id": "pleyel-parking",
                    "name": "Parking Pleyel",
                    "lat": 48.9185,
                    "lon": 2.344,
                    "capacity": 4,
                    "kind": "car_sharing",
                },
            ),
        ):
            who = operator if path == "vehicle-stations" else admin  # systems and types are shared
            assert (await running.http.post(f"{API}/{path}", json=body, headers=who)).status_code == 201
        yield running


def report(available: int, docks: int, type_id: str = "getaround-zoe") -> dict:
    return {
        "num_vehicles_available": available,
        "vehicle_types_available": [{"vehicle_type_id": type_id, "count": available}],
        "num_docks_available": docks,
        "last_reported": datetime.now(UTC).isoformat(),
    }


async def test_a_dock_reports_over_nats_under_the_same_rules_and_each_change_is_an_event(
    bike_share, nats_server
):
    client = await nats.connect(nats_server.url)
    try:
        events = await client.subscribe(mobility.status_changed_subject_filter(SAINT_DENIS))

        async def ask(token: str, body: dict, dock: str = DOCK) -> dict:
            reply = await client.request(
                report_subject(SAINT_DENIS, dock),
                json.dumps({"token": token, "report": body}).encode(),
                timeout=5,
            )
            return json.loads(reply.data)

        own = bike_share.keys.device("mobility_feed", binding=DOCK)
        accepted = await ask(own, report(2, 2))
        assert accepted["status"] == 200, accepted
        assert accepted["vehicle_station"]["status"]["num_vehicles_available"] == 2
        event = json.loads((await events.next_msg(timeout=10)).data)
        assert event["data"]["vehicle_station_id"] == DOCK and event["data"]["num_vehicles_available"] == 2

        assert (await ask(own, report(5, 0)))["status"] == 422  # over capacity
        assert (await ask(own, report(1, 1, "velib-ebike")))["status"] == 422  # unknown type
        other = bike_share.keys.device("mobility_feed", binding="getaround-elsewhere")
        assert (await ask(other, report(1, 1)))["status"] == 403  # another station's dock
        assert (await ask("not-a-token", report(1, 1)))["status"] == 401
        status = (await bike_share.http.get(f"{API}/vehicle-stations/{DOCK}")).json()["status"]
        assert status["num_vehicles_available"] == 2  # nothing refused was written
    finally:
        await client.close()
