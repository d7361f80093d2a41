"""bike_share in process: its app over ASGI, a migrated SQLite, tokens from a test key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.bike_share.app import DEFINITION
from services.bike_share.demo import VELIB_SYSTEM, VELIB_TYPES
from services.bike_share.models import System, VehicleType
from services.bike_share.settings import Settings
from services.bike_share.systems import service as systems
from services.bike_share.vehicle_types import service as vehicle_types
from testkit.service import (
    SAINT_DENIS,
    VILLEJUIF,
    ServiceUnderTest,
    SigningKey,
    assert_problem,
    bearer,
    migrated_sqlite_async,
    running_service,
)

API = f"/api/v1/stations/{SAINT_DENIS}/mobility"
BASE = f"{API}/vehicle-stations"
PLEYEL = "velib-metropole-1001"
ETOILES = "velib-metropole-1002"
MIGRATIONS = Path(__file__).parents[1] / "migrations"


@pytest.fixture
async def bike_share(tmp_path: Path, keys: SigningKey) -> AsyncIterator[ServiceUnderTest]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "bike_share.sqlite")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as running:
        async with running.runtime.sessionmaker() as session:
            await systems.ensure(session=session, system=System(**VELIB_SYSTEM))
            for vehicle_type in VELIB_TYPES:
                await vehicle_types.ensure(session=session, vehicle_type=VehicleType(**vehicle_type))
        operator = bearer(keys.operator())
        for external_id, name, distance in (
            ("1001", "Carrefour Pleyel", 120),
            ("1002", "Place aux Étoiles", 300),
        ):
            created = await running.http.post(
                BASE,
                json={
                    "system_id": "velib-metropole",
                    "external_id": external_id,
                    "name": name,
                    "lat": 48.918,
                    "lon": 2.343,
                    "capacity": 40,
                    "distance_m": distance,
                },
                headers=operator,
            )
            assert created.status_code == 201, created.text
        yield running


def report(mechanical: int, ebike: int, *, at: datetime | None = None) -> dict:
    return {
        "num_vehicles_available": mechanical + ebike,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": mechanical},
            {"vehicle_type_id": "velib-ebike", "count": ebike},
        ],
        "num_docks_available": 10,
        "last_reported": (at or datetime.now(UTC)).isoformat(),
    }


async def test_the_listing_is_public_nearest_first_with_its_validators(bike_share):
    response = await bike_share.http.get(BASE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [s["name"] for s in body["items"]] == ["Carrefour Pleyel", "Place aux Étoiles"]
    assert body["next_cursor"] is None
    assert response.headers["etag"].startswith('"')
    assert response.headers["cache-control"] == "public, max-age=5"
    assert response.headers["content-type"] == "application/json"
    assert "last-modified" in response.headers
    # A token for another station does not narrow a public read.
    elsewhere = await bike_share.http.get(BASE, headers=bearer(bike_share.keys.operator(VILLEJUIF)))
    assert elsewhere.status_code == 200 and elsewhere.content == response.content


async def test_if_none_match_is_304_without_the_database(bike_share, monkeypatch):
    first = await bike_share.http.get(BASE)
    etag = first.headers["etag"]

    def no_database() -> None:
        raise AssertionError("a cached read opened a database session")

    monkeypatch.setattr(bike_share.runtime, "sessionmaker", no_database)
    again = await bike_share.http.get(BASE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["x-request-id"]
    full = await bike_share.http.get(BASE, headers={"If-None-Match": '"something-else"'})
    assert full.status_code == 200 and full.content == first.content


async def test_a_status_report_changes_the_listing_and_the_station_at_once(bike_share):
    listing, one = await bike_share.http.get(BASE), await bike_share.http.get(f"{BASE}/{PLEYEL}")
    other = await bike_share.http.get(f"{BASE}/{ETOILES}")
    reported = await bike_share.http.put(
        f"{BASE}/{PLEYEL}/status", json=report(3, 4), headers=bearer(bike_share.keys.operator())
    )
    assert reported.status_code == 200, reported.text

    listing_after = await bike_share.http.get(BASE, headers={"If-None-Match": listing.headers["etag"]})
    assert listing_after.status_code == 200
    assert listing_after.headers["etag"] != listing.headers["etag"]
    pleyel = next(s for s in listing_after.json()["items"] if s["id"] == PLEYEL)
    assert pleyel["status"]["num_vehicles_available"] == 7
    one_after = await bike_share.http.get(f"{BASE}/{PLEYEL}", headers={"If-None-Match": one.headers["etag"]})
    assert one_after.status_code == 200 and one_after.json()["status"]["num_vehicles_available"] == 7
    # The other station's answer did not change, and still revalidates.
    unchanged = await bike_share.http.get(
        f"{BASE}/{ETOILES}", headers={"If-None-Match": other.headers["etag"]}
    )
    assert unchanged.status_code == 304


async def test_the_listing_pages_nearest_first_and_each_page_is_kept_apart(bike_share):
    first = await bike_share.http.get(BASE, params={"limit": 1})
    assert [s["name"] for s in first.json()["items"]] == ["Carrefour Pleyel"]
    cursor = first.json()["next_cursor"]
    second = await bike_share.http.get(BASE, params={"limit": 1, "cursor": cursor})
    assert [s["name"] for s in second.json()["items"]] == ["Place aux Étoiles"]
    assert second.json()["next_cursor"] is None
    assert second.headers["etag"] != first.headers["etag"]
    # A page served from the cache is the page asked for, and a report reaches every page.
    again = await bike_share.http.get(BASE, params={"limit": 1, "cursor": cursor})
    assert again.content == second.content
    reported = await bike_share.http.put(
        f"{BASE}/{ETOILES}/status", json=report(3, 4), headers=bearer(bike_share.keys.operator())
    )
    assert reported.status_code == 200, reported.text
    after = await bike_share.http.get(BASE, params={"limit": 1, "cursor": cursor})
    assert after.json()["items"][0]["status"]["num_vehicles_available"] == 7
    assert_problem(await bike_share.http.get(BASE, params={"cursor": "not-a-cursor"}), 400, "invalid-cursor")


async def test_registering_a_station_or_a_vehicle_type_changes_the_listing(bike_share):
    before = await bike_share.http.get(BASE)
    created = await bike_share.http.post(
        BASE,
        json={
            "system_id": "velib-metropole",
            "external_id": "1003",
            "name": "Stade",
            "lat": 48.92,
            "lon": 2.36,
        },
        headers=bearer(bike_share.keys.operator()),
    )
    assert created.status_code == 201
    after_station = await bike_share.http.get(BASE)
    assert after_station.headers["etag"] != before.headers["etag"]
    assert "Stade" in [s["name"] for s in after_station.json()["items"]]

    async with bike_share.runtime.sessionmaker() as session:
        await vehicle_types.ensure(
            session=session,
            vehicle_type=VehicleType(
                id="velib-cargo",
                system_id="velib-metropole",
                form_factor="cargo_bicycle",
                propulsion_type="electric_assist",
                name={"fr": "Vélib' cargo"},
            ),
        )
    types = await bike_share.http.get(f"{API}/vehicle-types", params={"system_id": "velib-metropole"})
    assert "velib-cargo" in {t["id"] for t in types.json()["items"]}


async def test_a_rejected_report_changes_nothing(bike_share):
    before = await bike_share.http.get(f"{BASE}/{PLEYEL}")
    bad = await bike_share.http.put(
        f"{BASE}/{PLEYEL}/status",
        json=report(1, 1) | {"num_vehicles_available": 5},
        headers=bearer(bike_share.keys.operator()),
    )
    assert_problem(bad, 422, "validation-error")
    after = await bike_share.http.get(f"{BASE}/{PLEYEL}", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 304


async def test_an_older_report_is_refused(bike_share):
    operator = bearer(bike_share.keys.operator())
    now = datetime.now(UTC)
    assert (
        await bike_share.http.put(f"{BASE}/{PLEYEL}/status", json=report(1, 1, at=now), headers=operator)
    ).status_code == 200
    stale = await bike_share.http.put(
        f"{BASE}/{PLEYEL}/status", json=report(0, 1, at=now - timedelta(minutes=5)), headers=operator
    )
    assert_problem(stale, 409, "stale-report")


# -- who may report ------------------------------------------------------------------------------


async def test_a_screen_token_may_not_report_availability(bike_share):
    screen = bike_share.keys.device("screen", binding="hall")
    refused = await bike_share.http.put(f"{BASE}/{PLEYEL}/status", json=report(1, 1), headers=bearer(screen))
    assert_problem(refused, 403, "forbidden")


async def test_a_feed_reports_only_its_own_system_at_its_own_station(bike_share):
    own = bike_share.keys.device("mobility_feed", binding="velib-metropole")
    accepted = await bike_share.http.put(f"{BASE}/{PLEYEL}/status", json=report(2, 3), headers=bearer(own))
    assert accepted.status_code == 200, accepted.text

    async def stored_types() -> dict[str, int]:
        status = (await bike_share.http.get(f"{BASE}/{PLEYEL}")).json()["status"]
        assert status["num_vehicles_available"] == 5
        return {t["vehicle_type_id"]: t["count"] for t in status["vehicle_types_available"]}

    assert await stored_types() == {"velib-mechanical": 2, "velib-ebike": 3}

    other_system = bike_share.keys.device("mobility_feed", binding="cityscoot")
    unbound = bike_share.keys.device("mobility_feed", binding=None)
    elsewhere = bike_share.keys.device("mobility_feed", binding="velib-metropole", station=VILLEJUIF)
    for token in (other_system, unbound, elsewhere):
        refused = await bike_share.http.put(
            f"{BASE}/{PLEYEL}/status", json=report(1, 1), headers=bearer(token)
        )
        assert_problem(refused, 403, "forbidden")
    assert await stored_types() == {"velib-mechanical": 2, "velib-ebike": 3}


async def test_people_without_the_operate_scope_may_not_write(bike_share):
    for token in (bike_share.keys.courier(), bike_share.keys.traveller()):
        refused = await bike_share.http.put(
            f"{BASE}/{PLEYEL}/status", json=report(1, 1), headers=bearer(token)
        )
        assert_problem(refused, 403, "forbidden")
    assert_problem(
        await bike_share.http.put(f"{BASE}/{PLEYEL}/status", json=report(1, 1)), 401, "unauthorized"
    )


# -- what the fast path must not change ----------------------------------------------------------


async def test_bad_requests_get_the_routes_own_answers(bike_share):
    await bike_share.http.get(BASE)  # cached
    assert_problem(await bike_share.http.get(f"{BASE}/"), 404, "not-found")
    assert_problem(await bike_share.http.get(f"{BASE}/no-such-station"), 404)
    assert_problem(await bike_share.http.get(f"{BASE}/bad%20id"), 422)
    assert_problem(
        await bike_share.http.get("/api/v1/stations/gare-de-nulle-part/mobility/vehicle-stations"),
        404,
        "unknown-station",
    )
    assert (await bike_share.http.head(BASE)).status_code == 405
