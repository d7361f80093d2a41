"""Layouts through the API: templates and the station's own, chosen per screen or by schedule, the
regions in the player's document, and proof of play per region."""

from __future__ import annotations

from typing import Any

from services.signage.tests.stations import BASE, changes, screen
from testkit.service import assert_problem

SIDE = {
    "code": "cote-departs",
    "name": "Contenu et départs côte à côte",
    "orientation": "landscape",
    "columns": ["3fr", "1fr"],
    "rows": ["1fr", "auto"],
    "areas": ["content board", "ticker ticker"],
    "regions": [
        {"name": "content", "kind": "content"},
        {"name": "board", "kind": "departures", "stops": ["IDFM:473921"], "lines": ["L15"], "rows": 5},
        {"name": "ticker", "kind": "ticker"},
    ],
}


def screen_body(**changes: Any) -> dict[str, Any]:
    body = screen("hall", "hall", ["expo"], "player-hall")
    del body["code"]
    return body | changes


async def test_layouts_list_templates_and_the_stations_own_by_code(station):
    listed = await station.call("GET", "/layouts")
    assert [(item["code"], item["builtin"]) for item in listed["items"]] == [
        ("fullscreen", True),
        ("landscape", True),
        ("portrait", True),
    ]
    created = await station.call("POST", "/layouts", 201, json=SIDE)
    assert created["builtin"] is False and created["regions"][1]["lines"] == ["L15"]
    codes = [item["code"] for item in (await station.call("GET", "/layouts"))["items"]]
    assert codes == ["cote-departs", "fullscreen", "landscape", "portrait"]
    first = await station.call("GET", "/layouts", params={"limit": 2})
    rest = await station.call("GET", "/layouts", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [i["code"] for i in first["items"] + rest["items"]] == codes and rest["next_cursor"] is None
    portrait = await station.call("GET", "/layouts", params={"orientation": "portrait"})
    assert [i["code"] for i in portrait["items"]] == ["fullscreen", "portrait"]
    own = await station.call("GET", "/layouts", params={"builtin": "false"})
    assert [i["code"] for i in own["items"]] == ["cote-departs"]
    assert (await station.call("GET", "/layouts/landscape"))["areas"] == [
        "content clock",
        "content departures",
        "ticker ticker",
    ]

    renamed = SIDE | {"name": "Côte à côte"}
    del renamed["code"]
    assert (await station.call("PUT", "/layouts/cote-departs", json=renamed))["name"] == "Côte à côte"
    http = station.running.http
    headers = station.operator
    assert_problem(await http.post(f"{BASE}/layouts", json=SIDE, headers=headers), 409, "layout-code-taken")
    template_code = SIDE | {"code": "portrait"}
    assert_problem(
        await http.post(f"{BASE}/layouts", json=template_code, headers=headers), 409, "layout-code-taken"
    )
    assert_problem(
        await http.put(f"{BASE}/layouts/landscape", json=renamed, headers=headers), 409, "layout-builtin"
    )
    assert_problem(await http.delete(f"{BASE}/layouts/landscape", headers=headers), 409, "layout-builtin")
    assert_problem(await http.get(f"{BASE}/layouts/nowhere", headers=headers), 404, "unknown-layout")
    assert_problem(await http.get(f"{BASE}/layouts", headers=station.player("hall")), 403)

    await station.call("DELETE", "/layouts/cote-departs", 204)
    assert_problem(await http.get(f"{BASE}/layouts/cote-departs", headers=headers), 404, "unknown-layout")


async def test_a_grid_that_cannot_be_drawn_is_refused_and_nothing_is_saved(station):
    http, headers = station.running.http, station.operator
    holes = SIDE | {"code": "trous", "areas": ["content board", "board ticker"]}
    problem = assert_problem(await http.post(f"{BASE}/layouts", json=holes, headers=headers), 422)
    assert {"in": "body", "field": "areas", "detail": "region 'board' is not a rectangle"} in [
        {k: e[k] for k in ("in", "field", "detail")} for e in problem["errors"]
    ]
    unknown_kind = SIDE | {
        "code": "meteo",
        "regions": [*SIDE["regions"][:2], {"name": "ticker", "kind": "weather"}],
    }
    assert_problem(await http.post(f"{BASE}/layouts", json=unknown_kind, headers=headers), 422)
    bad_track = SIDE | {"code": "piste", "columns": ["3fr", "calc(1px)"]}
    assert_problem(await http.post(f"{BASE}/layouts", json=bad_track, headers=headers), 422)
    extra = SIDE | {"code": "extra", "colour": "red"}
    assert_problem(await http.post(f"{BASE}/layouts", json=extra, headers=headers), 422)
    assert [
        i["code"] for i in (await station.call("GET", "/layouts", params={"builtin": "false"}))["items"]
    ] == []


async def test_a_screen_shows_its_layout_and_a_schedule_may_set_another(station):
    # Without a layout, the whole screen plays the rotation, as before layouts.
    hall = await station.document("hall")
    assert hall["layout"]["code"] == "fullscreen"
    assert hall["layout"]["regions"] == [{"name": "content", "kind": "content", "playlist": "expo"}]

    await station.call("POST", "/layouts", 201, json=SIDE)

    async def choose() -> None:
        await station.call(
            "PUT",
            "/screens/quai-1",
            json=screen_body(
                zone="platform", tags=[], device_client_id="player-quai-1", layout="cote-departs"
            ),
        )

    assert await changes(station, choose) == {"quai-1"}
    quai = await station.document("quai-1")
    assert quai["screen"]["layout"] == "cote-departs"
    assert quai["layout"]["columns"] == ["3fr", "1fr"] and quai["layout"]["areas"] == [
        "content board",
        "ticker ticker",
    ]
    board = next(r for r in quai["layout"]["regions"] if r["kind"] == "departures")
    assert board["url"].endswith("/kiosk/departures?stop=IDFM%3A473921&line=L15") and board["rows"] == 5
    assert next(r for r in quai["layout"]["regions"] if r["kind"] == "ticker")["items"] == []

    # The exhibition's schedule sets the portrait template on its screens (the hall) while it plays.
    schedule = await station.call("GET", "/schedules/expo-jour")
    body = {k: schedule[k] for k in ("name", "playlist_id", "priority", "weekdays", "start_time", "end_time")}
    body["targets"] = schedule["targets"]

    async def portrait() -> None:
        await station.call("PUT", "/schedules/expo-jour", json=body | {"layout": "portrait"})

    assert await changes(station, portrait) == {"hall"}
    assert (await station.call("GET", "/schedules/expo-jour"))["layout"] == "portrait"
    assert (await station.document("hall"))["layout"]["code"] == "portrait"

    # A layout in use cannot be deleted; an unknown one cannot be chosen.
    http, headers = station.running.http, station.operator
    assert_problem(await http.delete(f"{BASE}/layouts/cote-departs", headers=headers), 409, "layout-in-use")
    wrong = screen_body(layout="nowhere")
    assert_problem(await http.put(f"{BASE}/screens/hall", json=wrong, headers=headers), 422)
    assert_problem(
        await http.put(f"{BASE}/schedules/expo-jour", json=body | {"layout": "nowhere"}, headers=headers), 422
    )

    # Redrawing the layout changes the documents of the screens that show it, only those.
    redrawn = SIDE | {"columns": ["2fr", "1fr"]}
    del redrawn["code"]

    async def redraw() -> None:
        await station.call("PUT", "/layouts/cote-departs", json=redrawn)

    assert await changes(station, redraw) == {"quai-1"}


async def test_plays_carry_their_region_and_the_report_filters_by_region(station):
    plays = [
        {
            "play_id": f"r{n}",
            "content_item_id": station.ids["work"],
            "started_at": "2026-11-24T10:00:00Z",
            "duration_seconds": 8,
            **({"region": region} if region else {}),
        }
        for n, region in enumerate(("content", "content", "side", None))
    ]
    sent = await station.running.http.post(
        f"{BASE}/screens/hall/plays", json={"plays": plays}, headers=station.player("hall")
    )
    assert sent.json() == {"accepted": 4, "duplicates": 0}
    days = {"since": "2026-11-24", "until": "2026-11-24"}
    everything = await station.call("GET", "/plays/report", params=days)
    assert [r["plays"] for r in everything["items"]] == [4]
    content = await station.call("GET", "/plays/report", params=days | {"region": "content"})
    assert [(r["plays"], r["seconds"]) for r in content["items"]] == [(2, 16)]
    assert_problem(
        await station.running.http.get(
            f"{BASE}/plays/report", params=days | {"region": "Not A Region"}, headers=station.operator
        ),
        422,
    )
    bad = [plays[0] | {"play_id": "x", "region": "Bad Region"}]
    assert_problem(
        await station.running.http.post(
            f"{BASE}/screens/hall/plays", json={"plays": bad}, headers=station.player("hall")
        ),
        422,
    )


async def test_the_ticker_names_the_station_s_events_of_tonight_and_drops_a_cancelled_one(station):
    from datetime import UTC, datetime, timedelta

    await station.call("POST", "/layouts", 201, json=SIDE)
    await station.call(
        "PUT",
        "/screens/quai-1",
        json=screen_body(zone="platform", tags=[], device_client_id="player-quai-1", layout="cote-departs"),
    )
    soon = datetime.now(UTC) + timedelta(hours=1)
    concert = {
        "code": "jazz",
        "kind": "concert",
        "title": {"fr": "Jazz sur le parvis", "en": "Jazz on the square"},
        "starts_at": soon.isoformat(),
        "ends_at": (soon + timedelta(hours=2)).isoformat(),
        "place": {"name": "Parvis nord"},
    }
    later = concert | {
        "code": "bal",
        "title": {"fr": "Bal"},
        "starts_at": (soon + timedelta(days=2)).isoformat(),
    }
    later["ends_at"] = (soon + timedelta(days=2, hours=3)).isoformat()
    await station.call("POST", "/agenda", 201, json=concert)
    await station.call("POST", "/agenda", 201, json=later)

    def ticker(document: dict[str, Any]) -> list[dict[str, Any]]:
        return next(r for r in document["layout"]["regions"] if r["kind"] == "ticker")["items"]

    items = ticker(await station.document("quai-1"))
    # Tonight's concert, in the screen's first language, with its place; not the ball in two days.
    assert [(i["id"], i["source"]) for i in items] == [("event-jazz", "agenda:jazz")]
    assert items[0]["text"].startswith("Jazz sur le parvis · ") and items[0]["text"].endswith(
        " · Parvis nord"
    )

    body = {k: v for k, v in concert.items() if k != "code"} | {"status": "cancelled"}
    await station.call("PUT", "/agenda/jazz", json=body)
    assert ticker(await station.document("quai-1")) == []
