"""info_kiosk in process: its app over ASGI, a migrated SQLite, a real nats-server for its consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import nats
import pytest

from kernel.contracts import mobility
from kernel.events import new_event
from services.info_kiosk.app import DEFINITION
from services.info_kiosk.settings import Settings
from testkit.service import (
    SAINT_DENIS,
    ServiceUnderTest,
    SigningKey,
    assert_problem,
    bearer,
    eventually,
    migrated_sqlite_async,
    running_service,
)

BASE = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
MIGRATIONS = Path(__file__).parents[1] / "migrations"
LIFT = {
    "category": "lift",
    "names": {"fr": "Ascenseur quai", "en": "Platform lift"},
    "descriptions": {"fr": "Vers les quais", "en": "To the platforms"},
    "level": -1,
    "lat": 48.918,
    "lon": 2.343,
    "step_free": True,
}


@pytest.fixture
async def kiosk(tmp_path: Path, keys: SigningKey, nats_server) -> AsyncIterator[ServiceUnderTest]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "info_kiosk.sqlite")
    async with running_service(
        DEFINITION, Settings, database_url=url, keys=keys, nats_url=nats_server.url
    ) as running:
        created = await running.http.post(
            f"{BASE}/points-of-interest", json=LIFT, headers=bearer(keys.operator())
        )
        assert created.status_code == 201, created.text
        yield running


def status_event(vehicle_station_id: str, count: int, name: str = "Carrefour Pleyel"):
    return new_event(
        station_id=SAINT_DENIS,
        domain=mobility.DOMAIN,
        entity=mobility.VEHICLE_STATION,
        verb=mobility.STATUS_CHANGED,
        subject=vehicle_station_id,
        data=mobility.VehicleStationStatusChanged(
            vehicle_station_id=vehicle_station_id,
            system_id="velib-metropole",
            name=name,
            lat=48.918,
            lon=2.343,
            capacity=40,
            num_vehicles_available=count,
            vehicle_types_available=[
                mobility.VehicleTypeCountOfKind(vehicle_type_id="velib-ebike", count=count)
            ],
            num_docks_available=40 - count,
            is_installed=True,
            is_renting=True,
            is_returning=True,
            last_reported=datetime.now(UTC),
        ),
    )


async def publish(nats_url: str, *events) -> None:
    nc = await nats.connect(nats_url)
    try:
        for outgoing in events:
            await nc.jetstream().publish(
                outgoing.nats_subject, outgoing.to_json().encode(), headers={"Nats-Msg-Id": outgoing.event.id}
            )
    finally:
        await nc.close()


async def test_points_of_interest_speak_the_callers_language_and_vary_on_it(kiosk):
    url = f"{BASE}/points-of-interest"
    english = await kiosk.http.get(url, params={"lang": "en"})
    french = await kiosk.http.get(url, headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert english.json()["items"][0]["name"] == "Platform lift"
    assert french.json()["items"][0]["name"] == "Ascenseur quai"
    assert english.headers["vary"] == "Accept-Language"
    assert english.headers["cache-control"] == "public, max-age=60"
    assert english.headers["etag"] != french.headers["etag"]
    # Served again from the cache, each language keeps its own answer.
    assert (await kiosk.http.get(url, params={"lang": "en"})).content == english.content
    german = await kiosk.http.get(url, headers={"Accept-Language": "de"})
    assert german.json()["items"][0]["language"] == "fr"  # the station's default
    none = await kiosk.http.get(url, params={"category": "toilets"})
    assert none.json()["items"] == []


async def test_what_the_route_refuses_the_cache_does_not_answer(kiosk):
    url = f"{BASE}/points-of-interest"
    await kiosk.http.get(url, params={"lang": "en"})
    assert_problem(await kiosk.http.get(url, params={"category": "spaceport"}), 422, "validation-error")
    assert_problem(await kiosk.http.get(url, params={"lang": "not a tag"}), 422, "validation-error")
    assert_problem(await kiosk.http.get(url, params={"lang": ""}), 422, "validation-error")
    assert_problem(await kiosk.http.get(f"{url}/"), 404, "not-found")
    assert_problem(await kiosk.http.get(f"{BASE}/mobility/"), 404, "not-found")


async def test_a_new_point_of_interest_changes_every_language_at_once(kiosk):
    url = f"{BASE}/points-of-interest"
    before = {lang: await kiosk.http.get(url, params={"lang": lang}) for lang in ("fr", "en")}
    toilets = LIFT | {"category": "toilets", "names": {"fr": "Toilettes", "en": "Toilets"}}
    assert (
        await kiosk.http.post(url, json=toilets, headers=bearer(kiosk.keys.operator()))
    ).status_code == 201
    for lang, old in before.items():
        after = await kiosk.http.get(
            url, params={"lang": lang}, headers={"If-None-Match": old.headers["etag"]}
        )
        assert after.status_code == 200 and after.headers["etag"] != old.headers["etag"]
        assert len(after.json()["items"]) == 2


async def test_points_of_interest_come_a_page_at_a_time_each_page_cached_apart(kiosk):
    url = f"{BASE}/points-of-interest"
    toilets = LIFT | {"category": "toilets", "names": {"fr": "Toilettes", "en": "Toilets"}}
    assert (
        await kiosk.http.post(url, json=toilets, headers=bearer(kiosk.keys.operator()))
    ).status_code == 201
    whole = (await kiosk.http.get(url, params={"lang": "en"})).json()
    first = (await kiosk.http.get(url, params={"lang": "en", "limit": 1})).json()
    second = (
        await kiosk.http.get(url, params={"lang": "en", "limit": 1, "cursor": first["next_cursor"]})
    ).json()
    assert whole["next_cursor"] is None and len(whole["items"]) == 2
    assert first["items"] + second["items"] == whole["items"] and second["next_cursor"] is None
    # The same page asked again comes from the cache, the other page is not mistaken for it.
    again = await kiosk.http.get(url, params={"lang": "en", "limit": 1})
    assert again.json() == first
    assert_problem(await kiosk.http.get(url, params={"cursor": "bad"}), 400, "invalid-cursor")
    assert_problem(await kiosk.http.get(url, params={"limit": 0}), 422, "validation-error")


async def test_only_operators_add_points_of_interest(kiosk):
    url = f"{BASE}/points-of-interest"
    assert_problem(await kiosk.http.post(url, json=LIFT), 401)
    kiosk_device = kiosk.keys.device("kiosk", binding="entrance")
    assert_problem(await kiosk.http.post(url, json=LIFT, headers=bearer(kiosk_device)), 403, "forbidden")


async def test_the_mobility_board_follows_bike_shares_events(kiosk, nats_server):
    url = f"{BASE}/mobility"
    empty = await kiosk.http.get(url)
    assert empty.json() == {"station_id": SAINT_DENIS, "as_of": None, "vehicle_stations": []}
    assert "last-modified" not in empty.headers
    await publish(nats_server.url, status_event("velib-metropole-1001", 4))

    async def shows_four():
        response = await kiosk.http.get(url, headers={"If-None-Match": empty.headers["etag"]})
        return response.status_code == 200 and response

    board, _ = await eventually(shows_four)
    assert board.json()["vehicle_stations"][0]["num_vehicles_available"] == 4
    assert board.headers["last-modified"].endswith("GMT")
    assert (await kiosk.http.get(url, headers={"If-None-Match": board.headers["etag"]})).status_code == 304
