"""parcel_lockers in process: its app over ASGI, a migrated SQLite, tokens from a test key."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from services.parcel_lockers.app import DEFINITION
from services.parcel_lockers.settings import Settings
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

BASE = f"/api/v1/stations/{SAINT_DENIS}/lockers"
MIGRATIONS = Path(__file__).parents[1] / "migrations"
CONTROLLER_A = f"lockers-{SAINT_DENIS}-bank-a"


def bank(code: str, sizes: str, controller: str | None = None) -> dict:
    return {
        "code": code,
        "name": f"Consigne {code}",
        "location": "Hall",
        "level": 0,
        "controller_client_id": controller,
        "compartments": [{"label": f"{code}{n:02d}", "size": size} for n, size in enumerate(sizes, start=1)],
    }


@pytest.fixture
async def lockers(tmp_path: Path, keys: SigningKey) -> AsyncIterator[ServiceUnderTest]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "parcel_lockers.sqlite")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as running:
        for new in (bank("A", "SSMML", CONTROLLER_A), bank("B", "SM")):
            created = await running.http.post(f"{BASE}/banks", json=new, headers=bearer(keys.operator()))
            assert created.status_code == 201, created.text
        yield running


async def bank_id(lockers: ServiceUnderTest, code: str) -> str:
    listing = await lockers.http.get(f"{BASE}/banks", headers=bearer(lockers.keys.operator()))
    return next(b["id"] for b in listing.json()["items"] if b["code"] == code)


async def test_availability_is_public_and_says_nothing_of_parcels(lockers):
    board = await lockers.http.get(f"{BASE}/availability")
    assert board.status_code == 200, board.text
    banks = {b["code"]: b for b in board.json()["banks"]}
    assert banks["A"]["availability"]["S"] == {"free": 2, "total": 2}
    assert banks["A"]["availability"]["XL"] == {"free": 0, "total": 0}
    assert set(banks["A"]) == {"code", "name", "location", "level", "availability"}
    assert board.headers["cache-control"] == "public, max-age=5"
    one = await lockers.http.get(f"{BASE}/availability/B")
    assert one.json()["availability"]["M"] == {"free": 1, "total": 1}
    assert_problem(await lockers.http.get(f"{BASE}/availability/Z"), 404, "unknown-bank")
    assert_problem(await lockers.http.get(f"{BASE}/availability/a"), 422)
    assert (
        await lockers.http.get(f"{BASE}/availability/B", headers={"If-None-Match": one.headers["etag"]})
    ).status_code == 304


async def test_taking_a_compartment_out_of_service_changes_availability_at_once(lockers):
    board, a, b = [await lockers.http.get(f"{BASE}/availability{p}") for p in ("", "/A", "/B")]
    path = f"{BASE}/banks/{await bank_id(lockers, 'A')}/compartments/A01/service-state"
    operator = bearer(lockers.keys.operator())
    out = await lockers.http.put(
        path, json={"in_service": False, "reason": "Serrure cassée"}, headers=operator
    )
    assert out.status_code == 200, out.text

    board_after = await lockers.http.get(
        f"{BASE}/availability", headers={"If-None-Match": board.headers["etag"]}
    )
    a_after = await lockers.http.get(f"{BASE}/availability/A", headers={"If-None-Match": a.headers["etag"]})
    assert board_after.status_code == 200 and a_after.status_code == 200
    assert a_after.json()["availability"]["S"] == {"free": 1, "total": 2}
    # Bank B did not change: its answer still revalidates.
    b_after = await lockers.http.get(f"{BASE}/availability/B", headers={"If-None-Match": b.headers["etag"]})
    assert b_after.status_code == 304

    back = await lockers.http.put(path, json={"in_service": True}, headers=operator)
    assert back.status_code == 200
    again = await lockers.http.get(f"{BASE}/availability/A")
    assert again.content == a.content and again.headers["etag"] == a.headers["etag"]


async def test_registering_a_bank_shows_in_the_availability(lockers):
    before = await lockers.http.get(f"{BASE}/availability")
    missing = await lockers.http.get(f"{BASE}/availability/C")
    assert missing.status_code == 404
    created = await lockers.http.post(
        f"{BASE}/banks", json=bank("C", "L"), headers=bearer(lockers.keys.operator())
    )
    assert created.status_code == 201
    after = await lockers.http.get(f"{BASE}/availability")
    assert after.headers["etag"] != before.headers["etag"]
    assert [b["code"] for b in after.json()["banks"]] == ["A", "B", "C"]
    assert (await lockers.http.get(f"{BASE}/availability/C")).json()["availability"]["L"]["free"] == 1


# -- who sees which bank -------------------------------------------------------------------------


async def test_a_controller_sees_only_its_own_bank(lockers):
    bound = lockers.keys.device("locker_controller", binding="A", client_id="some-controller")
    registered = lockers.keys.device("locker_controller", binding=None, client_id=CONTROLLER_A)
    for token in (bound, registered):
        listing = await lockers.http.get(f"{BASE}/banks", headers=bearer(token))
        assert listing.status_code == 200
        assert [b["code"] for b in listing.json()["items"]] == ["A"]
        assert (
            await lockers.http.get(f"{BASE}/banks/{await bank_id(lockers, 'A')}", headers=bearer(token))
        ).status_code == 200
        assert_problem(
            await lockers.http.get(f"{BASE}/banks/{await bank_id(lockers, 'B')}", headers=bearer(token)), 403
        )
    stranger = lockers.keys.device("locker_controller", binding="B", client_id="other")
    assert [
        b["code"] for b in (await lockers.http.get(f"{BASE}/banks", headers=bearer(stranger))).json()["items"]
    ] == ["B"]


async def test_people_see_banks_by_scope_and_station(lockers):
    for token in (lockers.keys.operator(), lockers.keys.courier(), lockers.keys.admin()):
        listing = await lockers.http.get(f"{BASE}/banks", headers=bearer(token))
        assert [b["code"] for b in listing.json()["items"]] == ["A", "B"]
    assert_problem(await lockers.http.get(f"{BASE}/banks", headers=bearer(lockers.keys.traveller())), 403)
    assert_problem(
        await lockers.http.get(f"{BASE}/banks", headers=bearer(lockers.keys.operator(VILLEJUIF))), 403
    )
    screen = lockers.keys.device("screen", binding="hall")
    assert_problem(await lockers.http.get(f"{BASE}/banks", headers=bearer(screen)), 403)
    assert_problem(await lockers.http.get(f"{BASE}/banks"), 401)


async def test_only_operators_change_banks(lockers):
    path = f"{BASE}/banks/{await bank_id(lockers, 'A')}/compartments/A01/service-state"
    controller = lockers.keys.device("locker_controller", binding="A")
    for token in (controller, lockers.keys.courier()):
        refused = await lockers.http.put(
            path, json={"in_service": False, "reason": "x"}, headers=bearer(token)
        )
        assert_problem(refused, 403, "forbidden")
        assert_problem(
            await lockers.http.post(f"{BASE}/banks", json=bank("D", "S"), headers=bearer(token)), 403
        )
