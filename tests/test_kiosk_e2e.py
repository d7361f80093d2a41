"""The info kiosk through the gateway on the real stack: a traveller's way to a platform, a lift
going out of service and the route changing at once, and the station graph as GTFS."""

from __future__ import annotations

import httpx

from testkit.stack import SAINT_DENIS, VILLEJUIF, EventCatcher, assert_problem, bearer, eventually

VJ = f"/api/v1/stations/{VILLEJUIF}/kiosk"
SDP = f"/api/v1/stations/{SAINT_DENIS}/kiosk"


def test_a_lift_outage_reroutes_a_step_free_traveller_at_once(stack, gateway, tokens):
    # The traveller looks for their platform in their own words, with a typo.
    hits = httpx.get(f"{gateway}{VJ}/search", params={"q": "quai champigy", "lang": "es"}).json()["items"]
    assert hits[0]["place"]["code"] == "quai-15-b"
    assert hits[0]["place"]["name"] == "Andén línea 15 dirección Champigny Centre"
    params = {"from": "exit-bd-maxime-gorki", "to": "quai-15-b", "profile": "step_free"}
    before = httpx.get(f"{gateway}{VJ}/route", params=params, headers={"Accept-Language": "es"}).json()
    assert before["route"]["places"][-2:] == ["lift-15-b", "quai-15-b"]
    assert before["route"]["steps"][-1]["instruction"] == "Tome el ascensor hasta Andenes línea 15 (-3)"

    operator = bearer(tokens.operator(VILLEJUIF))
    catcher = EventCatcher(stack.nats_url, f"gare.{VILLEJUIF}.kiosk.equipment.status_changed")
    try:
        put, event = catcher.during(
            lambda: httpx.put(
                f"{gateway}{VJ}/equipment/lift-15-b",
                json={"status": "out_of_service", "reason": "Maintenance"},
                headers=operator,
            )
        )
        assert put.status_code == 200, put.text
        assert (event["data"]["place_code"], event["data"]["status"]) == ("lift-15-b", "out_of_service")
        after = httpx.get(f"{gateway}{VJ}/route", params=params | {"lang": "en"}).json()
        assert after["found"] is False
        assert after["explanation"]["message"] == (
            "The only step-free way to Line 15 platform towards Champigny Centre is out of service: "
            "Lift line 15 platform B."
        )
        assert after["alternative"]["places"][-2:] == ["escalators-15", "quai-15-b"]

        def panel_shows_it() -> list | None:
            outages = httpx.get(f"{gateway}{VJ}/live").json()["outages"]
            return outages if [o["place_code"] for o in outages] == ["lift-15-b"] else None

        eventually(panel_shows_it, timeout=10)
    finally:
        httpx.put(f"{gateway}{VJ}/equipment/lift-15-b", json={"status": "in_service"}, headers=operator)
    again = httpx.get(f"{gateway}{VJ}/route", params=params).json()
    assert again["found"] and "lift-15-b" in again["route"]["places"]
    # A traveller cannot stop a lift; a place of the other station is not found here.
    assert_problem(httpx.put(f"{gateway}{VJ}/equipment/lift-14", json={"status": "out_of_service"}), 401)
    assert_problem(httpx.get(f"{gateway}{VJ}/route", params=params | {"to": "quai-16"}), 404, "unknown-place")


def test_the_station_graph_goes_out_and_back_in_as_gtfs(gateway, tokens):
    exported = httpx.get(f"{gateway}{SDP}/graph/gtfs")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    operator = bearer(tokens.operator(SAINT_DENIS))
    report = httpx.put(
        f"{gateway}{SDP}/graph/gtfs",
        content=exported.content,
        headers={"Content-Type": "application/zip"} | operator,
    )
    assert report.status_code == 200, report.text
    assert (report.json()["levels"], report.json()["places"], report.json()["pathways"]) == (5, 26, 42)
    assert httpx.get(f"{gateway}{SDP}/graph/gtfs").content == exported.content
    page = httpx.get(f"{gateway}{SDP}/places", params={"kind": "platform", "lang": "de"}).json()
    assert [p["line"] for p in page["items"]] == ["14", "15", "15", "16", "17"]
    assert page["items"][0]["name"] == "Bahnsteig Linie 14 Richtung Aéroport d'Orly"
