"""Proof of play and the live widgets fed by other services' events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kernel.contracts.kiosk import EquipmentStatusChanged
from kernel.contracts.mobility import VehicleStationStatusChanged, VehicleTypeCountOfKind
from services.signage.tests.stations import BASE, changes
from services.signage.widgets.service import record_equipment_status, record_vehicle_status
from testkit.service import SAINT_DENIS, assert_problem


async def test_proof_of_play_counts_each_play_once_per_day_and_screen(station):
    plays = [
        {
            "play_id": "p1",
            "content_item_id": station.ids["work"],
            "started_at": "2026-11-24T22:59:50Z",
            "duration_seconds": 8,
        },
        {
            "play_id": "p2",
            "content_item_id": station.ids["work"],
            "started_at": "2026-11-24T23:00:10Z",
            "duration_seconds": 8,
        },
        {
            "play_id": "p2",
            "content_item_id": station.ids["work"],
            "started_at": "2026-11-24T23:00:10Z",
            "duration_seconds": 8,
        },
    ]
    path = f"{BASE}/screens/hall/plays"
    first = await station.running.http.post(path, json={"plays": plays}, headers=station.player("hall"))
    assert first.json() == {"accepted": 2, "duplicates": 1}
    resent = await station.running.http.post(path, json={"plays": plays[:2]}, headers=station.player("hall"))
    assert resent.json() == {"accepted": 0, "duplicates": 2}
    report = await station.call("GET", "/plays/report", params={"since": "2026-11-24", "until": "2026-11-25"})
    # 23:59:50 and 00:00:10 in Paris: two station days.
    assert [(r["day"], r["screen"], r["plays"], r["seconds"]) for r in report["items"]] == [
        ("2026-11-24", "hall", 1, 8),
        ("2026-11-25", "hall", 1, 8),
    ]
    first_day = await station.call(
        "GET", "/plays/report", params={"since": "2026-11-24", "until": "2026-11-25", "limit": 1}
    )
    second_day = await station.call(
        "GET",
        "/plays/report",
        params={"since": "2026-11-24", "until": "2026-11-25", "limit": 1, "cursor": first_day["next_cursor"]},
    )
    assert first_day["items"] + second_day["items"] == report["items"] and second_day["next_cursor"] is None
    assert_problem(
        await station.running.http.post(path, json={"plays": plays}, headers=station.operator), 403
    )
    assert_problem(
        await station.running.http.get(
            f"{BASE}/plays/report",
            params={"since": "2026-11-27", "until": "2026-11-01"},
            headers=station.operator,
        ),
        422,
    )


async def test_live_widgets_follow_the_events_of_other_services(station):
    widget = await station.call(
        "POST",
        "/content",
        201,
        json={"kind": "widget", "title": "Vélos", "widget": "vehicle_availability", "duration_seconds": 10},
    )
    lifts = await station.call(
        "POST",
        "/content",
        201,
        json={"kind": "widget", "title": "Ascenseurs", "widget": "lift_status", "duration_seconds": 10},
    )
    items = [
        {"content_item_id": station.ids["welcome"]},
        {"content_item_id": widget["id"]},
        {"content_item_id": lifts["id"]},
    ]
    await station.call("PUT", "/playlists/main", json={"name": "Boucle", "is_default": True, "items": items})
    reported = datetime(2026, 11, 26, 10, tzinfo=UTC)

    def status(vehicles: int, at: datetime) -> VehicleStationStatusChanged:
        return VehicleStationStatusChanged(
            vehicle_station_id="velib-1",
            system_id="velib",
            name="Carrefour Pleyel",
            lat=48.9,
            lon=2.3,
            capacity=30,
            num_vehicles_available=vehicles,
            vehicle_types_available=[
                VehicleTypeCountOfKind(vehicle_type_id="velib-ebike", count=vehicles),
                VehicleTypeCountOfKind(vehicle_type_id="velib-mechanical", count=0),
            ],
            num_docks_available=30 - vehicles,
            is_installed=True,
            is_renting=True,
            is_returning=True,
            last_reported=at,
        )

    async def record(*statuses: VehicleStationStatusChanged) -> None:
        async with station.running.runtime.sessionmaker() as session:
            for one in statuses:
                await record_vehicle_status(session=session, station_id=SAINT_DENIS, status=one)
            await session.commit()

    async def vehicles_event() -> None:
        await record(status(7, reported), status(3, reported - timedelta(minutes=1)))  # the late one loses

    assert await changes(station, vehicles_event) == {"quai-1"}  # the hall plays the exhibition
    live = (await station.document("quai-1"))["live"]
    assert live["vehicle_availability"] == [
        {
            "name": "Carrefour Pleyel",
            "vehicles": 7,
            "docks": 23,
            "renting": True,
            # By type, for an icon per type; a type with none available is left out.
            "types": [
                {"vehicle_type_id": "velib-ebike", "count": 7, "form_factor": None, "propulsion_type": None}
            ],
        }
    ]
    assert live["lift_status"] == []
    assert (await station.document("hall"))["live"] == {}

    async with station.running.runtime.sessionmaker() as session:
        await record_equipment_status(
            session=session,
            station_id=SAINT_DENIS,
            change=EquipmentStatusChanged(
                place_code="lift-quai-1",
                kind="lift",
                names={"fr": "Ascenseur quai 1"},
                level=-2,
                status="out_of_service",
                reason="Maintenance",
                until=None,
                changed_at=reported,
            ),
        )
        await session.commit()
    outages = (await station.document("quai-1"))["live"]["lift_status"]
    assert [(o["place_code"], o["names"]["fr"]) for o in outages] == [("lift-quai-1", "Ascenseur quai 1")]
