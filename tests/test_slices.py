"""One real vertical slice per service, through the gateway, with its table and its event."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from testkit.stack import SAINT_DENIS, VILLEJUIF, EventCatcher, assert_problem, bearer, eventually

BASE = f"/api/v1/stations/{SAINT_DENIS}"


# -- parcel lockers ------------------------------------------------------------------------------


def test_operator_lists_locker_banks_with_compartment_states(gateway, tokens):
    response = httpx.get(f"{gateway}{BASE}/lockers/banks", headers=bearer(tokens.operator()))
    assert response.status_code == 200, response.text
    banks = {bank["code"]: bank for bank in response.json()["items"]}
    assert set(banks) >= {"A", "B"}
    a = banks["A"]
    assert [c["label"] for c in a["compartments"]][:3] == ["A01", "A02", "A03"]
    assert len(a["compartments"]) == 12
    assert {c["state"] for c in banks["B"]["compartments"] if c["label"] == "B08"} == {"out_of_service"}
    s = a["availability"]["S"]
    assert s["total"] == 4 and 0 <= s["free"] <= 4


def test_courier_and_device_see_lockers_but_not_a_traveller(gateway, tokens):
    for token in (tokens.courier(), tokens.device("locker_controller")):
        assert httpx.get(f"{gateway}{BASE}/lockers/banks", headers=bearer(token)).status_code == 200
    device_elsewhere = tokens.device("locker_controller", VILLEJUIF)
    assert_problem(httpx.get(f"{gateway}{BASE}/lockers/banks", headers=bearer(device_elsewhere)), 403)


def test_taking_a_compartment_out_of_service_publishes_its_event(stack, gateway, tokens):
    banks = httpx.get(f"{gateway}{BASE}/lockers/banks", headers=bearer(tokens.operator())).json()["items"]
    bank = next(b for b in banks if b["code"] == "A")
    free = next(c for c in bank["compartments"] if c["state"] == "free")
    path = f"{gateway}{BASE}/lockers/banks/{bank['id']}/compartments/{free['label']}/service-state"
    catcher = EventCatcher(stack.nats_url, f"gare.{SAINT_DENIS}.lockers.compartment.state_changed")

    response, event = catcher.during(
        lambda: httpx.put(
            path,
            json={"in_service": False, "reason": "Serrure à remplacer"},
            headers={**bearer(tokens.operator()), "X-Request-ID": "test-lockers-1"},
        )
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "out_of_service"
    assert event["specversion"] == "1.0"
    assert event["type"] == "fr.gare.lockers.compartment.state_changed.v1"
    assert event["source"] == f"/stations/{SAINT_DENIS}/lockers"
    assert event["requestid"] == "test-lockers-1"
    assert json.dumps(event["data"]).count(free["label"]) >= 1

    back = httpx.put(path, json={"in_service": True, "reason": None}, headers=bearer(tokens.operator()))
    assert back.status_code == 200 and back.json()["state"] == "free"


# -- signage -------------------------------------------------------------------------------------


def test_operator_registers_a_screen_and_the_player_fetches_its_playlist(stack, gateway, tokens):
    operator = bearer(tokens.operator())
    screen = {
        "code": "quai-1",
        "name": "Écran quai 1",
        "location": "Quai direction Aéroport d'Orly",
        "orientation": "portrait",
        "resolution": "1080x1920",
        "languages": ["fr", "en"],
    }
    catcher = EventCatcher(stack.nats_url, f"gare.{SAINT_DENIS}.signage.screen.registered")
    created, event = catcher.during(
        lambda: httpx.post(f"{gateway}{BASE}/signage/screens", json=screen, headers=operator)
    )
    assert created.status_code == 201, created.text
    assert event["type"] == "fr.gare.signage.screen.registered.v1"
    assert_problem(httpx.post(f"{gateway}{BASE}/signage/screens", json=screen, headers=operator), 409)

    player = bearer(tokens.device("screen"))
    playlist = httpx.get(f"{gateway}{BASE}/signage/screens/hall/playlist", headers=player)
    assert playlist.status_code == 200, playlist.text
    etag = playlist.headers["etag"]
    items = playlist.json()["now"]["playlist"]["items"]
    assert items and all(item["duration_seconds"] > 0 for item in items)
    welcome = next(item for item in items if item["kind"] == "message")
    assert welcome["language"] == "fr" and welcome["text"] == welcome["texts"]["fr"]

    again = httpx.get(
        f"{gateway}{BASE}/signage/screens/hall/playlist", headers={**player, "If-None-Match": etag}
    )
    assert again.status_code == 304 and again.content == b""
    # A player may only fetch its own screen's playlist.
    assert_problem(httpx.get(f"{gateway}{BASE}/signage/screens/quai-1/playlist", headers=player), 403)
    assert httpx.get(f"{gateway}{BASE}/signage/screens/quai-1/playlist", headers=operator).status_code == 200

    screens = httpx.get(f"{gateway}{BASE}/signage/screens", headers=operator).json()["items"]
    hall = next(s for s in screens if s["code"] == "hall")
    assert hall["last_seen_at"] is not None  # the heartbeat of the fetch above


# -- bike share and info kiosk -------------------------------------------------------------------


def test_vehicle_availability_is_public_and_lists_the_real_velib_stations(gateway):
    response = httpx.get(f"{gateway}{BASE}/mobility/vehicle-stations")
    assert response.status_code == 200
    body = response.json()
    names = [s["name"] for s in body["items"]]
    assert names[:2] == ["Carrefour Pleyel", "Place aux Étoiles"]  # nearest first
    assert all(s["distance_m"] <= 500 for s in body["items"])
    types = httpx.get(f"{gateway}{BASE}/mobility/vehicle-types", params={"system_id": "velib-metropole"})
    assert {t["id"] for t in types.json()["items"]} == {"velib-mechanical", "velib-ebike"}


def test_status_update_publishes_an_event_and_reaches_the_kiosk_within_a_second(stack, gateway, tokens):
    station_id = "velib-metropole-653042442"
    report = {
        "num_vehicles_available": 7,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": 2},
            {"vehicle_type_id": "velib-ebike", "count": 5},
        ],
        "num_docks_available": 30,
        "last_reported": datetime.now(UTC).isoformat(),
    }
    catcher = EventCatcher(stack.nats_url, f"gare.{SAINT_DENIS}.mobility.vehicle_station.status_changed")
    accepted, event = catcher.during(
        lambda: httpx.put(
            f"{gateway}{BASE}/mobility/vehicle-stations/{station_id}/status",
            json=report,
            headers=bearer(tokens.operator()),
        )
    )
    assert accepted.status_code == 200, accepted.text
    assert event["data"]["vehicle_station_id"] == station_id
    assert event["data"]["num_vehicles_available"] == 7

    def kiosk_shows_it() -> dict | None:
        rows = httpx.get(f"{gateway}{BASE}/kiosk/mobility").json()["vehicle_stations"]
        row = next((r for r in rows if r["vehicle_station_id"] == station_id), None)
        return row if row and row["num_vehicles_available"] == 7 else None

    row, _ = eventually(kiosk_shows_it, timeout=30)
    assert {c["vehicle_type_id"]: c["count"] for c in row["vehicle_types_available"]} == {
        "velib-mechanical": 2,
        "velib-ebike": 5,
    }


def test_kiosk_points_of_interest_speak_the_travellers_language(gateway):
    url = f"{gateway}{BASE}/kiosk/points-of-interest"
    english = httpx.get(url, params={"lang": "en"}).json()["items"]
    french = httpx.get(url, headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}).json()["items"]
    assert english and len(english) == len(french)
    desk_en = next(p for p in english if p["category"] == "information")
    desk_fr = next(p for p in french if p["category"] == "information")
    assert desk_en["language"] == "en" and desk_fr["language"] == "fr"
    assert desk_en["name"] != desk_fr["name"]
    velib = httpx.get(url, params={"category": "bike_share"}).json()["items"]
    assert {p["name"] for p in velib} == {"Carrefour Pleyel", "Place aux Étoiles"}
    assert_problem(httpx.get(url, params={"category": "spaceport"}), 422)


def test_operator_publishes_a_point_of_interest(stack, gateway, tokens):
    poi = {
        "category": "pharmacy",
        "names": {"fr": "Pharmacie du parvis", "en": "Forecourt pharmacy"},
        "level": 0,
        "lat": 48.9176,
        "lon": 2.3468,
        "step_free": True,
    }
    url = f"{gateway}{BASE}/kiosk/points-of-interest"
    assert_problem(httpx.post(url, json=poi), 401)
    catcher = EventCatcher(stack.nats_url, f"gare.{SAINT_DENIS}.kiosk.point_of_interest.published")
    created, event = catcher.during(lambda: httpx.post(url, json=poi, headers=bearer(tokens.operator())))
    assert created.status_code == 201, created.text
    assert event["type"] == "fr.gare.kiosk.point_of_interest.published.v1"
    listed = httpx.get(url, params={"category": "pharmacy", "lang": "en"}).json()["items"]
    assert [p["name"] for p in listed] == ["Forecourt pharmacy"]


# -- devices act only on what they are bound to (tokens from the real gateway) --------------------


def test_a_screen_token_cannot_report_availability_but_the_stations_feed_can(gateway, tokens):
    url = f"{gateway}{BASE}/mobility/vehicle-stations/velib-metropole-653042442/status"
    current = httpx.get(url.removesuffix("/status")).json()["status"]
    report = {
        "num_vehicles_available": current["num_vehicles_available"],
        "vehicle_types_available": current["vehicle_types_available"],
        "num_docks_available": current["num_docks_available"],
        "last_reported": datetime.now(UTC).isoformat(),
    }
    assert_problem(httpx.put(url, json=report, headers=bearer(tokens.device("screen"))), 403, "forbidden")
    assert_problem(httpx.put(url, json=report, headers=bearer(tokens.device("kiosk"))), 403, "forbidden")
    accepted = httpx.put(url, json=report, headers=bearer(tokens.device("mobility_feed")))
    assert accepted.status_code == 200, accepted.text


def test_a_locker_controller_sees_only_its_own_bank(gateway, tokens):
    listing = httpx.get(f"{gateway}{BASE}/lockers/banks", headers=bearer(tokens.device("locker_controller")))
    assert listing.status_code == 200, listing.text
    assert [bank["code"] for bank in listing.json()["items"]] == ["A"]


def test_locker_availability_is_public_and_follows_the_compartments(gateway, tokens):
    board = httpx.get(f"{gateway}{BASE}/lockers/availability")
    assert board.status_code == 200, board.text
    assert board.headers["etag"] and board.headers["cache-control"].startswith("public")
    banks = {bank["code"]: bank for bank in board.json()["banks"]}
    assert banks["B"]["availability"]["M"]["total"] == 4
    assert "compartments" not in banks["A"]
    again = httpx.get(
        f"{gateway}{BASE}/lockers/availability", headers={"If-None-Match": board.headers["etag"]}
    )
    assert again.status_code == 304

    # A compartment of B taken out of service: the public board, edge cache included, follows.
    operator = bearer(tokens.operator())
    bank_b = next(
        b
        for b in httpx.get(f"{gateway}{BASE}/lockers/banks", headers=operator).json()["items"]
        if b["code"] == "B"
    )
    free_m = [c["label"] for c in bank_b["compartments"] if c["size"] == "M" and c["state"] == "free"]
    assert free_m, bank_b
    service_state = f"{gateway}{BASE}/lockers/banks/{bank_b['id']}/compartments/{free_m[0]}/service-state"

    def board_of_b() -> dict:
        answer = httpx.get(f"{gateway}{BASE}/lockers/availability")
        return {bank["code"]: bank for bank in answer.json()["banks"]}["B"]["availability"]["M"]

    before = board_of_b()
    taken = httpx.put(service_state, json={"in_service": False, "reason": "Essai"}, headers=operator)
    assert taken.status_code == 200, taken.text
    try:
        eventually(lambda: board_of_b()["free"] == before["free"] - 1, timeout=30)
    finally:
        back = httpx.put(service_state, json={"in_service": True, "reason": None}, headers=operator)
        assert back.status_code == 200, back.text
    eventually(lambda: board_of_b() == before, timeout=30)
