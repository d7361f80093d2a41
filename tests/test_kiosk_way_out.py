"""The way out through the gateway on the real stack (both databases): what each exit leads to,
operators editing it by exit and destination code, "which exit for the 153?", and a route that ends
outside the station at a bus stop, with the walk from the exit."""

from __future__ import annotations

import httpx

from testkit.stack import SAINT_DENIS, assert_problem, bearer

SDP = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
EXIT = "exit-rue-francis-de-pressense"


def test_an_operator_says_what_an_exit_leads_to_by_exit_and_destination_code(gateway, tokens):
    operator = bearer(tokens.operator(SAINT_DENIS))
    base = f"{gateway}{SDP}/exits/{EXIT}/destinations"
    body = {
        "code": "bus-pressense-test",
        "kind": "bus_stop",
        "names": {"fr": "Arrêt Francis de Pressensé", "en": "Francis de Pressensé stop"},
        "lines": ["239", "N44"],
        "lat": 48.91790,
        "lon": 2.34810,
    }
    created = httpx.post(base, json=body, headers=operator)
    assert created.status_code == 201, created.text
    made = created.json()
    assert (made["exit_code"], made["source"], made["walking_estimated"]) == (EXIT, "operator", True)
    # Estimated from the coordinates: about 80 m as the crow flies, a third more on the streets.
    assert 95 <= made["walking_m"] <= 110 and made["walking_s"] == made["walking_m"]
    try:
        one = httpx.get(f"{base}/bus-pressense-test", params={"lang": "en"}).json()
        assert one["name"] == "Francis de Pressensé stop" and one["lines"] == ["239", "N44"]
        # Listed a page at a time, filtered by kind and by line.
        by_line = httpx.get(base, params={"line": "N44"}).json()
        assert [d["code"] for d in by_line["items"]] == ["bus-pressense-test"]
        streets = httpx.get(base, params={"kind": "street"}).json()["items"]
        assert [d["code"] for d in streets] == ["rue-francis-de-pressense"]
        first = httpx.get(base, params={"limit": 1}).json()
        assert len(first["items"]) == 1 and first["next_cursor"]
        # The exits list names it under its exit, and only exits near a 239 when asked so.
        exits = httpx.get(f"{gateway}{SDP}/exits", params={"line": "239"}).json()["items"]
        assert [e["code"] for e in exits] == [EXIT]
        # Measured on foot, it replaces the estimate.
        patched = httpx.patch(f"{base}/bus-pressense-test", json={"walking_m": 95}, headers=operator)
        assert patched.status_code == 200, patched.text
        assert (patched.json()["walking_m"], patched.json()["walking_estimated"]) == (95, False)

        # Bad input says what is wrong and changes nothing.
        assert_problem(httpx.post(base, json=body, headers=operator), 409)
        street = body | {"code": "rue-test", "kind": "street"}
        problem = assert_problem(httpx.post(base, json=street, headers=operator), 422)
        assert problem["errors"][0]["field"] == "lines"
        assert_problem(
            httpx.patch(f"{base}/bus-pressense-test", json={"kind": "street"}, headers=operator), 422
        )
        assert_problem(httpx.patch(f"{base}/bus-pressense-test", json={"names": None}, headers=operator), 422)
        assert_problem(httpx.post(base, json=body | {"lat": 91}, headers=operator), 422)
        assert_problem(httpx.post(base, json=body | {"kind": "rocket"}, headers=operator), 422)
        assert_problem(
            httpx.post(f"{gateway}{SDP}/exits/hall/destinations", json=body, headers=operator),
            404,
            "unknown-exit",
        )
        assert_problem(httpx.get(f"{base}/nowhere"), 404, "unknown-destination")
        assert_problem(httpx.post(base, json=body | {"code": "x-1"}), 401)
        assert httpx.get(f"{base}/bus-pressense-test").json()["walking_m"] == 95
        # The exit cannot go while it leads somewhere.
        assert_problem(httpx.delete(f"{gateway}{SDP}/places/{EXIT}", headers=operator), 409)
    finally:
        deleted = httpx.delete(f"{base}/bus-pressense-test", headers=operator)
    assert deleted.status_code == 204
    assert_problem(httpx.get(f"{base}/bus-pressense-test"), 404, "unknown-destination")


def test_which_exit_for_the_153_a_street_or_a_velib_dock(gateway):
    hits = httpx.get(f"{gateway}{SDP}/search", params={"q": "153", "lang": "en"}).json()["items"]
    outside = [(h["place"]["code"], h["destination"]["code"]) for h in hits if h["destination"]]
    assert ("exit-rue-pleyel", "bus-carrefour-pleyel") in outside
    assert ("exit-bd-anatole-france", "bus-pleyel-anatole-france") in outside
    assert hits[0]["destination"] is not None and "153" in hits[0]["destination"]["lines"]
    assert hits[0]["place"]["name"].startswith("Exit")
    bus = httpx.get(f"{gateway}{SDP}/search", params={"q": "bus 153"}).json()["items"]
    assert {h["destination"]["code"] for h in bus[:2]} == {
        "bus-carrefour-pleyel",
        "bus-pleyel-anatole-france",
    }
    street = httpx.get(f"{gateway}{SDP}/search", params={"q": "boulevard anatole france"}).json()["items"]
    assert any(h["destination"] and h["destination"]["code"] == "bd-anatole-france" for h in street)
    # The catalog's open data: the Vélib' docks around the station, each at its nearest exit.
    velib = httpx.get(f"{gateway}{SDP}/search", params={"q": "Vélib'"}).json()["items"]
    docks = [h for h in velib if h["destination"] and h["destination"]["kind"] == "vehicle_station"]
    assert {h["destination"]["source"] for h in docks} == {"catalog"}
    assert "velib-metropole-653046369" in {h["destination"]["vehicle_station_id"] for h in docks}


def test_a_route_ends_at_a_bus_stop_outside_with_the_walk_from_its_exit(gateway):
    answer = httpx.get(
        f"{gateway}{SDP}/route", params={"from": "quai-14", "to": "bus-carrefour-pleyel", "lang": "en"}
    ).json()
    assert answer["found"] is True
    assert answer["route"]["places"][-1] == "exit-rue-pleyel"
    assert answer["outside"]["exit_code"] == "exit-rue-pleyel"
    assert answer["outside"]["walking_m"] == 140
    assert answer["outside"]["destination"]["lines"] == ["139", "153", "173", "255"]
    assert answer["outside"]["destination"]["name"] == "Carrefour Pleyel bus stop"
    # Step-free: the Rue Pleyel exit has stairs only; the route goes out where it can and says so.
    step_free = httpx.get(
        f"{gateway}{SDP}/route",
        params={"from": "quai-14", "to": "bus-carrefour-pleyel", "profile": "step_free"},
    ).json()
    assert step_free["found"] is False and step_free["explanation"]["code"]
    qr = httpx.get(f"{gateway}{SDP}/route/qr", params={"from": "quai-14", "to": "bus-carrefour-pleyel"})
    assert qr.status_code == 200 and "to=bus-carrefour-pleyel" in qr.headers["x-route-link"]
    assert_problem(httpx.get(f"{gateway}{SDP}/route", params={"from": "quai-14", "to": "nowhere"}), 404)
