"""signage's operator API in process: media, content, playlists, schedules, alerts, proof of play, and
the rule that every edit changes the ETag of exactly the screens it touches."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from kernel.contracts import screens as commands
from kernel.contracts.kiosk import EquipmentStatusChanged
from kernel.contracts.mobility import VehicleStationStatusChanged
from services.signage.alerts.service import clear_expired_alerts
from services.signage.app import DEFINITION
from services.signage.models import OUTBOX
from services.signage.player import live
from services.signage.settings import Settings
from services.signage.widgets.service import record_equipment_status, record_vehicle_status
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

BASE = f"/api/v1/stations/{SAINT_DENIS}/signage"
MIGRATIONS = Path(__file__).parents[1] / "migrations"


def png(colour: str = "red", size: tuple[int, int] = (64, 36)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def screen(code: str, zone: str, tags: list[str], device: str) -> dict[str, Any]:
    return {
        "code": code,
        "name": f"Écran {code}",
        "location": "Gare",
        "zone": zone,
        "tags": tags,
        "orientation": "landscape",
        "resolution": "1920x1080",
        "languages": ["fr", "en"],
        "device_client_id": device,
    }


class Station:
    """Two screens: `hall` (tag expo) plays the exhibition all day, `quai-1` the default loop."""

    def __init__(self, running: ServiceUnderTest) -> None:
        self.running = running
        self.operator = bearer(running.keys.operator())
        self.ids: dict[str, str] = {}

    def player(self, code: str) -> dict[str, str]:
        return bearer(self.running.keys.device("screen", binding=code, client_id=f"player-{code}"))

    async def call(self, method: str, path: str, expected: int = 200, **kw: Any) -> Any:
        response = await self.running.http.request(method, f"{BASE}{path}", headers=self.operator, **kw)
        assert response.status_code == expected, response.text
        return response.json() if response.content else None

    async def etag(self, code: str) -> str:
        response = await self.running.http.get(f"{BASE}/screens/{code}/playlist", headers=self.player(code))
        assert response.status_code == 200, response.text
        return response.headers["etag"]

    async def document(self, code: str) -> dict[str, Any]:
        response = await self.running.http.get(f"{BASE}/screens/{code}/playlist", headers=self.player(code))
        assert response.status_code == 200, response.text
        return response.json()

    async def build(self) -> None:
        for code, zone, tags in (("hall", "hall", ["expo"]), ("quai-1", "platform", [])):
            await self.call("POST", "/screens", 201, json=screen(code, zone, tags, f"player-{code}"))
        welcome = await self.call(
            "POST",
            "/content",
            201,
            json={
                "kind": "message",
                "title": "Bienvenue",
                "texts": {"fr": "Bienvenue", "en": "Welcome"},
                "duration_seconds": 10,
            },
        )
        media = await self.call("POST", "/media", 201, content=png())
        work = await self.call(
            "POST",
            "/content",
            201,
            json={
                "kind": "artwork",
                "title": "Quai à l'aube",
                "artist": "Inès Moreau",
                "year": 2025,
                "credit": "Collection de la gare",
                "media": media["sha256"],
                "duration_seconds": 8,
            },
        )
        self.ids |= {"welcome": welcome["id"], "work": work["id"], "media": media["sha256"]}
        main = {
            "code": "main",
            "name": "Boucle",
            "is_default": True,
            "items": [{"content_item_id": welcome["id"]}],
        }
        expo = {
            "code": "expo",
            "name": "Expo",
            "items": [{"content_item_id": work["id"], "transition": "slide"}],
        }
        self.ids["main"] = (await self.call("POST", "/playlists", 201, json=main))["id"]
        self.ids["expo"] = (await self.call("POST", "/playlists", 201, json=expo))["id"]
        await self.call(
            "POST",
            "/schedules",
            201,
            json={
                "code": "expo-jour",
                "name": "Expo toute la journée",
                "playlist_id": self.ids["expo"],
                "targets": {"tags": ["expo"]},
            },
        )


@pytest.fixture
async def station(tmp_path: Path, keys: SigningKey) -> AsyncIterator[Station]:
    url = await migrated_sqlite_async(MIGRATIONS, tmp_path / "signage.sqlite")
    async with running_service(DEFINITION, Settings, database_url=url, keys=keys) as running:
        built = Station(running)
        await built.build()
        yield built


async def test_screens_play_what_their_schedule_says_with_credits(station):
    hall = await station.document("hall")
    quai = await station.document("quai-1")
    assert hall["now"]["schedule"] == "expo-jour" and quai["now"]["schedule"] is None
    work = hall["now"]["playlist"]["items"][0]
    assert (work["artist"], work["year"], work["credit"], work["transition"]) == (
        "Inès Moreau",
        2025,
        "Collection de la gare",
        "slide",
    )
    assert work["media_url"] == f"{BASE}/media/{station.ids['media']}"
    assert quai["now"]["playlist"]["items"][0]["text"] == "Bienvenue"


async def test_uploaded_media_is_immutable_and_served_by_range(station):
    sha = station.ids["media"]
    again = await station.call("POST", "/media", 201, content=png())  # the same bytes: the same media
    assert again["sha256"] == sha
    whole = await station.running.http.get(f"{BASE}/media/{sha}")  # public: an <img> sends no token
    assert whole.status_code == 200 and whole.content == png()
    assert whole.headers["content-type"] == "image/png"
    assert "immutable" in whole.headers["cache-control"]
    part = await station.running.http.get(f"{BASE}/media/{sha}", headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == png()[:8]
    assert part.headers["content-range"] == f"bytes 0-7/{len(png())}"
    assert (
        await station.running.http.get(f"{BASE}/media/{sha}", headers={"If-None-Match": f'"{sha}"'})
    ).status_code == 304
    assert_problem(
        await station.running.http.get(f"{BASE}/media/{sha}", headers={"Range": "bytes=99999-"}),
        416,
        "range-not-satisfiable",
    )
    assert_problem(await station.running.http.get(f"{BASE}/media/{'0' * 64}"), 404, "unknown-media")


async def test_a_wrong_or_oversized_upload_is_refused_and_nothing_is_stored(station):
    before = await station.call("GET", "/media")
    fake = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    assert_problem(
        await station.running.http.post(f"{BASE}/media", content=fake, headers=station.operator),
        415,
        "unsupported-media-type",
    )
    huge = png(size=(2, 2)) + b"\0" * 1_100_000
    refused = await station.running.http.post(f"{BASE}/media", content=huge, headers=station.operator)
    assert_problem(refused, 413)
    assert await station.call("GET", "/media") == before
    # Media of the wrong kind for the content: an image is not a video.
    problem = assert_problem(
        await station.running.http.post(
            f"{BASE}/content",
            headers=station.operator,
            json={"kind": "video", "title": "Clip", "media": station.ids["media"], "duration_seconds": 10},
        ),
        422,
    )
    assert [e["field"] for e in problem["errors"]] == ["media"]


async def test_html_messages_are_sanitised(station):
    created = await station.call(
        "POST",
        "/content",
        201,
        json={
            "kind": "html",
            "title": "Travaux",
            "html": {
                "fr": '<p onmouseover="x()">Quai <b>2</b> fermé<script>steal()</script></p><img src=x onerror=y>'
            },
            "duration_seconds": 10,
        },
    )
    assert created["html"] == {"fr": "<p>Quai <b>2</b> fermé</p>"}
    assert_problem(
        await station.running.http.post(
            f"{BASE}/content",
            headers=station.operator,
            json={
                "kind": "html",
                "title": "Rien",
                "html": {"fr": "<script>x()</script>"},
                "duration_seconds": 10,
            },
        ),
        422,
    )


async def test_content_playlists_and_schedules_have_full_crud(station):
    listed = await station.call("GET", "/content", params={"kind": "artwork", "limit": 1})
    assert [i["title"] for i in listed["items"]] == ["Quai à l'aube"] and listed["next_cursor"] is None
    assert (await station.call("GET", f"/content/{station.ids['welcome']}"))["title"] == "Bienvenue"
    in_use = await station.running.http.delete(
        f"{BASE}/content/{station.ids['work']}", headers=station.operator
    )
    assert_problem(in_use, 409, "content-in-use")
    assert [p["code"] for p in (await station.call("GET", "/playlists"))["items"]] == ["expo", "main"]
    assert_problem(
        await station.running.http.delete(f"{BASE}/playlists/expo", headers=station.operator),
        409,
        "playlist-in-use",
    )
    schedule = await station.call("GET", "/schedules/expo-jour")
    assert schedule["weekdays"] == [0, 1, 2, 3, 4, 5, 6] and schedule["targets"]["tags"] == ["expo"]
    await station.call("DELETE", "/schedules/expo-jour", 204)
    await station.call("DELETE", "/playlists/expo", 204)
    await station.call("DELETE", f"/content/{station.ids['work']}", 204)
    assert_problem(
        await station.running.http.get(f"{BASE}/playlists/expo", headers=station.operator),
        404,
        "unknown-playlist",
    )
    # With its exhibition gone, the hall falls back to the default loop.
    assert (await station.document("hall"))["now"]["playlist"]["code"] == "main"
    await station.call("DELETE", "/screens/quai-1", 204)
    assert_problem(
        await station.running.http.get(f"{BASE}/screens/quai-1/playlist", headers=station.player("quai-1")),
        404,
        "unknown-screen",
    )


async def test_every_list_pages_by_cursor_in_one_stable_order(station):
    for texts in ({"fr": "Un"}, {"fr": "Deux"}):
        await station.call("POST", "/alerts", 201, json={"severity": "info", "texts": texts})

    async def walk(path: str, key: str, **filters: str) -> list[str]:
        seen, cursor = [], None
        while True:
            params = {**filters, "limit": 1, **({"cursor": cursor} if cursor else {})}
            page = await station.call("GET", path, params=params)
            assert len(page["items"]) <= 1
            seen += [item[key] for item in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                return seen

    for path, key, filters in [
        ("/screens", "code", {}),
        ("/screens", "code", {"online": "false"}),
        ("/content", "id", {}),
        ("/content", "id", {"kind": "message"}),
        ("/media", "sha256", {}),
        ("/playlists", "code", {}),
        ("/schedules", "code", {}),
        ("/alerts", "id", {}),
    ]:
        whole = await station.call("GET", path, params={**filters, "limit": 200})
        assert whole["next_cursor"] is None and len(whole["items"]) >= 1, path
        assert await walk(path, key, **filters) == [item[key] for item in whole["items"]], (path, filters)
    newest_first = (await station.call("GET", "/alerts"))["items"]
    assert [a["texts"]["fr"] for a in newest_first[:2]] == ["Deux", "Un"]
    for path in ("/screens", "/content", "/alerts"):
        assert_problem(
            await station.running.http.get(
                f"{BASE}{path}", params={"cursor": "pas-un-curseur"}, headers=station.operator
            ),
            400,
            "invalid-cursor",
        )


async def test_bad_schedules_are_refused_and_change_nothing(station):
    before = await station.call("GET", "/schedules")
    bad = [
        {"code": "x", "name": "X", "playlist_id": "0" * 32},
        {"code": "x", "name": "X", "playlist_id": station.ids["main"], "start_time": "25:00"},
        {"code": "x", "name": "X", "playlist_id": station.ids["main"], "weekdays": [7]},
        {
            "code": "x",
            "name": "X",
            "playlist_id": station.ids["main"],
            "starts_on": "2026-12-10",
            "ends_on": "2026-12-01",
        },
    ]
    for body in bad:
        assert_problem(
            await station.running.http.post(f"{BASE}/schedules", json=body, headers=station.operator), 422
        )
    taken = {"code": "expo-jour", "name": "Y", "playlist_id": station.ids["main"]}
    assert_problem(
        await station.running.http.post(f"{BASE}/schedules", json=taken, headers=station.operator),
        409,
        "schedule-code-taken",
    )
    assert await station.call("GET", "/schedules") == before


async def changes(station: Station, edit: Any) -> set[str]:
    """The screens whose ETag an edit changed."""
    before = {code: await station.etag(code) for code in ("hall", "quai-1")}
    await edit()
    return {code for code in before if await station.etag(code) != before[code]}


async def test_each_kind_of_edit_changes_the_etag_of_exactly_the_screens_it_touches(station):
    welcome = {"kind": "message", "title": "Bienvenue", "texts": {"fr": "Bonjour"}, "duration_seconds": 10}
    work = {
        "kind": "artwork",
        "title": "Quai à l'aube",
        "artist": "Inès Moreau",
        "year": 2026,
        "media": station.ids["media"],
        "duration_seconds": 8,
    }
    main = {
        "name": "Boucle",
        "is_default": True,
        "items": [{"content_item_id": station.ids["welcome"], "duration_seconds": 5}],
    }
    quai_schedule = {
        "code": "quai-soir",
        "name": "Quai",
        "playlist_id": station.ids["expo"],
        "targets": {"screens": ["quai-1"]},
    }
    hall = screen("hall", "hall", ["expo"], "player-hall") | {"languages": ["en", "fr"]}
    del hall["code"]
    platform_alert = {
        "severity": "warning",
        "texts": {"fr": "Quai fermé"},
        "targets": {"zones": ["platform"]},
    }

    assert await changes(
        station, lambda: station.call("PUT", f"/content/{station.ids['welcome']}", json=welcome)
    ) == {"quai-1"}
    assert await changes(
        station, lambda: station.call("PUT", f"/content/{station.ids['work']}", json=work)
    ) == {"hall"}
    assert await changes(station, lambda: station.call("PUT", "/playlists/main", json=main)) == {"quai-1"}
    assert await changes(station, lambda: station.call("POST", "/schedules", 201, json=quai_schedule)) == {
        "quai-1"
    }
    assert await changes(station, lambda: station.call("PUT", "/screens/hall", json=hall)) == {"hall"}
    assert await changes(station, lambda: station.call("POST", "/alerts", 201, json=platform_alert)) == {
        "quai-1"
    }
    # Content nobody shows changes no screen.
    spare = {"kind": "widget", "title": "Horloge", "widget": "clock", "duration_seconds": 10}
    assert await changes(station, lambda: station.call("POST", "/content", 201, json=spare)) == set()


async def test_alerts_reach_screens_are_acknowledged_and_cleared(station):
    alert = await station.call(
        "POST",
        "/alerts",
        201,
        json={
            "severity": "emergency",
            "texts": {"fr": "Évacuez la gare", "en": "Leave the station"},
            "expires_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
        },
    )
    assert alert["screens"] == ["hall", "quai-1"] and alert["not_acknowledged"] == ["hall", "quai-1"]
    shown = (await station.document("hall"))["alerts"]
    assert [(a["id"], a["language"], a["text"]) for a in shown] == [(alert["id"], "fr", "Évacuez la gare")]

    ack = f"{BASE}/screens/hall/alerts/{alert['id']}/ack"
    assert (await station.running.http.post(ack, headers=station.player("hall"))).status_code == 204
    assert (await station.running.http.post(ack, headers=station.player("hall"))).status_code == 204
    assert_problem(await station.running.http.post(ack, headers=station.player("quai-1")), 403, "forbidden")
    assert_problem(await station.running.http.post(ack, headers=station.operator), 403, "forbidden")
    status = await station.call("GET", f"/alerts/{alert['id']}")
    assert list(status["acknowledged"]) == ["hall"] and status["not_acknowledged"] == ["quai-1"]

    assert [a["id"] for a in (await station.call("GET", "/alerts", params={"active": "true"}))["items"]] == [
        alert["id"]
    ]
    await station.call("POST", f"/alerts/{alert['id']}/clear")
    assert (await station.document("hall"))["alerts"] == []
    assert (await station.call("GET", "/alerts", params={"active": "true"}))["items"] == []
    past = {"severity": "info", "texts": {"fr": "x"}, "expires_at": "2020-01-01T00:00:00Z"}
    assert_problem(
        await station.running.http.post(f"{BASE}/alerts", json=past, headers=station.operator), 422
    )
    silent = {"severity": "info", "texts": {}}
    assert_problem(
        await station.running.http.post(f"{BASE}/alerts", json=silent, headers=station.operator), 422
    )
    assert (await station.call("GET", "/alerts"))["items"][0]["id"] == alert["id"]  # nothing raised


async def test_an_operator_sees_which_screens_an_alert_would_reach_before_raising_it(station):
    async def reach(targets: dict[str, Any]) -> list[str]:
        return (await station.call("POST", "/alerts/reach", json=targets))["screens"]

    assert await reach({}) == ["hall", "quai-1"]  # no target: every screen
    assert await reach({"zones": ["platform"]}) == ["quai-1"]
    assert await reach({"tags": ["expo"], "screens": ["quai-1"]}) == ["hall", "quai-1"]
    assert await reach({"screens": ["nowhere"]}) == []
    assert_problem(
        await station.running.http.post(
            f"{BASE}/alerts/reach", json={"floors": []}, headers=station.operator
        ),
        422,
    )
    assert_problem(
        await station.running.http.post(f"{BASE}/alerts/reach", json={}, headers=station.player("hall")), 403
    )
    assert (await station.call("GET", "/alerts"))["items"] == []  # nothing was raised


def command_of(event: str) -> commands.ScreenCommand:
    """The screen command one server-sent event carries, as a player reads it."""
    fields = dict(line.split(": ", 1) for line in event.strip().splitlines())
    return commands.decode(fields["event"], fields["data"])


async def test_the_push_channel_wakes_a_screen_with_its_alerts(station):
    channel = live.channel_of(station.running.runtime)

    async def never() -> bool:
        return False

    events = live.screen_events(channel, station_id=SAINT_DENIS, code="quai-1", disconnected=never)
    try:
        assert await anext(events) == "retry: 2000\n\n"
        assert await anext(events) == f"event: alerts\nid: {channel.generation}\ndata: []\n\n"
        hall_only = {"severity": "info", "texts": {"fr": "Expo ouverte"}, "targets": {"screens": ["hall"]}}
        platform = {
            "severity": "emergency",
            "texts": {"fr": "Quai fermé"},
            "targets": {"zones": ["platform"]},
        }
        await station.call("POST", "/alerts", 201, json=hall_only)
        # The hall's alert wakes the stream, but quai-1's alerts did not change: only `changed` comes.
        assert (await asyncio.wait_for(anext(events), 15)).startswith("event: changed")
        await station.call("POST", "/alerts", 201, json=platform)
        pushed = command_of(await asyncio.wait_for(anext(events), 15))
        assert isinstance(pushed, commands.ShowAlerts)
        assert [(a.severity, a.text) for a in pushed.root] == [("emergency", "Quai fermé")]
        # The screen retired: its channel says so, and ends.
        await station.call("DELETE", "/screens/quai-1", 204)
        while not isinstance(
            command := command_of(await asyncio.wait_for(anext(events), 15)), commands.Retired
        ):
            assert isinstance(command, commands.Revalidate | commands.ShowAlerts)
        assert command == commands.Retired(screen="quai-1")
        with pytest.raises(StopAsyncIteration):
            await anext(events)
    finally:
        await events.aclose()


async def test_without_accept_event_stream_the_channel_answers_the_alerts_and_ends(station):
    # A client that buffers whole answers (a fuzzer, a proxy) gets the current state, not an endless body.
    alert = await station.call(
        "POST",
        "/alerts",
        201,
        json={"severity": "info", "texts": {"fr": "Expo"}, "targets": {"screens": ["hall"]}},
    )
    answer = await station.running.http.get(f"{BASE}/screens/hall/events", headers=station.player("hall"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/event-stream")
    blocks = answer.text.split("\n\n")
    assert blocks[0] == "retry: 2000" and blocks[1].startswith("event: alerts\nid: ")
    assert alert["id"] in blocks[1] and blocks[2:] == [""]


async def test_heartbeats_and_the_playlist_work_without_redis(station):
    beat = await station.running.http.post(
        f"{BASE}/screens/hall/heartbeat", json={"version": "ab" * 16}, headers=station.player("hall")
    )
    assert beat.status_code == 204
    listed = await station.call("GET", "/screens")
    hall = next(s for s in listed["items"] if s["code"] == "hall")
    assert hall["online"] is False and hall["behind"] is True  # nothing recorded without Redis
    assert_problem(
        await station.running.http.post(
            f"{BASE}/screens/hall/heartbeat", json={"version": "ab"}, headers=station.player("quai-1")
        ),
        403,
    )


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
    assert [(r["day"], r["screen"], r["plays"], r["seconds"]) for r in report["rows"]] == [
        ("2026-11-24", "hall", 1, 8),
        ("2026-11-25", "hall", 1, 8),
    ]
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


async def test_a_screen_of_another_station_gets_nothing_here(station):
    elsewhere = bearer(
        station.running.keys.device("screen", binding="hall", client_id="player-hall", station=VILLEJUIF)
    )
    assert_problem(await station.running.http.get(f"{BASE}/screens/hall/playlist", headers=elsewhere), 403)
    assert_problem(await station.running.http.get(f"{BASE}/screens/hall/events", headers=elsewhere), 403)
    assert_problem(
        await station.running.http.post(
            f"{BASE}/alerts", json={"severity": "info", "texts": {"fr": "x"}}, headers=station.player("hall")
        ),
        403,
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
            vehicle_types_available=[],
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
        {"name": "Carrefour Pleyel", "vehicles": 7, "docks": 23, "renting": True}
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


async def test_an_expired_alert_is_cleared_once_with_its_event(station):
    expires = datetime.now(UTC) + timedelta(minutes=5)
    alert = await station.call(
        "POST",
        "/alerts",
        201,
        json={"severity": "warning", "texts": {"fr": "Quai 2"}, "expires_at": expires.isoformat()},
    )
    runtime = station.running.runtime
    later = expires + timedelta(seconds=1)
    for expected in ([alert["id"]], []):  # a second sweep (another replica's) finds nothing left
        async with runtime.sessionmaker() as session:
            cleared = await clear_expired_alerts(session=session, station_id=SAINT_DENIS, at=later)
        assert cleared == expected
    status = await station.call("GET", f"/alerts/{alert['id']}")
    assert status["cleared_at"] is not None and (await station.document("hall"))["alerts"] == []
    async with runtime.sessionmaker() as session:
        staged = (await session.execute(select(OUTBOX.c.subject))).scalars().all()
    assert staged.count(f"gare.{SAINT_DENIS}.signage.alert.cleared") == 1
