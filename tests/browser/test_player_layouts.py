"""The player with layouts, in Chromium against the whole stack: each template at its screen size
(landscape 1920x1080, portrait 1080x1920) with its regions, the departures board following its live
stream (a changing sample of the kiosk's departures read, served on the way) and showing stale data as
stale, a disruption published by its source raised over the whole screen within 2 s and cleared, a
ticker line, and an Arabic screen laid out right to left."""

from __future__ import annotations

import asyncio
import io
import json
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import FloatRect, Page, Route, ViewportSize, expect

from kernel.contracts import kiosk
from kernel.events import OutgoingEvent, new_event
from services.info_kiosk.tests.departures_support import (
    feed_server,
    general_message_without,
    serve_samples,
    siri_source,
)
from services.info_kiosk.tests.test_api import publish
from testkit.stack import SAINT_DENIS, bearer, eventually
from tests.browser.conftest import new_context
from tests.browser.support import KIOSK, Screenshots
from tests.browser.test_player import USER_CODE

pytestmark = pytest.mark.e2e
SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"
SCREEN: ViewportSize = {"width": 1920, "height": 1080}


def photo_png(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (30, 90, 140))
    for y in range(0, size[1], 60):
        image.paste((250, 170, 60), (0, y, size[0], y + 20))
    image.save(out, format="PNG")
    return out.getvalue()


def departures_sample(round_: int, *, stale: bool = False) -> dict[str, Any]:
    """The kiosk's departures read, as info_kiosk serves it; each round the trains come closer."""
    now = datetime.now(UTC)

    def at(minutes: float) -> str:
        return (now + timedelta(minutes=minutes)).isoformat()

    def board(
        line: str, colour: str, mode: str, direction: str, first: float, status: str = "on_time"
    ) -> dict:
        return {
            "stop_code": f"IDFM:{line}",
            "stop_name": "Saint-Denis Pleyel",
            "mode": mode,
            "line": line,
            "line_color": colour,
            "direction": direction,
            "exit_code": "B" if mode == "bus" else None,
            "departures": [
                {
                    "destination": direction,
                    "aimed_at": at(first),
                    "expected_at": at(first + (3 if status == "delayed" else 0)),
                    "delay_seconds": 180 if status == "delayed" else 0,
                    "status": status,
                    "platform": "1",
                },
                {
                    "destination": direction,
                    "aimed_at": at(first + 6),
                    "expected_at": at(first + 6),
                    "delay_seconds": 0,
                    "status": "on_time",
                    "platform": "1",
                },
            ],
        }

    lead = max(0, 9 - 3 * round_)
    return {
        "station_id": SAINT_DENIS,
        "generated_at": now.isoformat(),
        "boards": [
            board("15", "B90845", "metro", "Pont de Sèvres", lead + 0.5),
            board("14", "62259D", "metro", "Aéroport d'Orly", 4.5),
            board("16", "E3B32A", "metro", "Noisy-Champs", 7.5, "delayed"),
            board("D", "00814F", "rer", "Melun", 11.5),
            board("153", "82C8E6", "bus", "Porte de la Chapelle", 2.5, "cancelled"),
        ],
        "sources": [
            {"code": "idfm-siri", "state": "stale" if stale else "fresh", "updated_at": now.isoformat()}
        ],
    }


class Departures:
    """Serves the departures read and its live stream on the way, a new sample on each request."""

    def __init__(self) -> None:
        self.round = 0
        self.stale = False
        self.requests: list[str] = []

    def handle(self, route: Route) -> None:
        self.requests.append(route.request.url)
        body = json.dumps(departures_sample(self.round, stale=self.stale))
        if "/departures/live" in route.request.url:
            # One event per connection; the player comes back (retry) and reads the next one.
            route.fulfill(
                status=200,
                headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"},
                body=f"retry: 500\nevent: departures\ndata: {body}\n\n",
            )
        else:
            route.fulfill(status=200, headers={"Content-Type": "application/json"}, body=body)


def disruption(verb: str, disruption_id: str, reach: str, text: dict[str, str]) -> OutgoingEvent:
    now = datetime.now(UTC)
    data: Any = (
        kiosk.DisruptionCleared(disruption_id=disruption_id, cleared_at=now)
        if verb == kiosk.CLEARED
        else kiosk.DisruptionRaised(
            disruption_id=disruption_id,
            source_code="idfm-siri",
            source_ref=disruption_id,
            severity="severe",
            reach=reach,  # type: ignore[arg-type]
            text=text,
            description={},
            lines=["15"],
            stops=[],
            raised_at=now,
            until=None,
        )
    )
    return new_event(
        station_id=SAINT_DENIS, domain=kiosk.DOMAIN, entity=kiosk.DISRUPTION, verb=verb, data=data
    )


def publish_now(nats_url: str, event: OutgoingEvent) -> None:
    # playwright's sync API holds this thread's event loop: the NATS client runs in its own thread.
    thread = threading.Thread(target=lambda: asyncio.run(publish(nats_url, event)))
    thread.start()
    thread.join(10)


def regions(page: Page) -> dict[str, Any]:
    return page.evaluate("window.__player.regions.regions")


def box(page: Page, region: str) -> FloatRect:
    found = page.locator(f"[data-region='{region}']").bounding_box()
    assert found is not None, region
    return found


def test_the_player_draws_its_layout_with_live_departures_disruptions_and_rtl(
    browser, stack, web, tokens, screenshots: Screenshots
):
    operator = bearer(tokens.operator())
    code = f"ecran-{uuid.uuid4().hex[:6]}"

    def call(method: str, path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        response = httpx.request(method, f"{web}{SIGNAGE}{path}", json=body, headers=operator, **kw)
        assert response.status_code in (200, 201), response.text
        return response.json()

    screen: dict[str, Any] = {
        "name": "Écran du hall",
        "location": "Hall",
        "zone": "hall",
        "orientation": "landscape",
        "resolution": "1920x1080",
        "languages": ["fr", "en"],
        "layout": "landscape",
    }
    call("POST", "/screens", {"code": code, **screen})
    welcome = call(
        "POST",
        "/content",
        {
            "kind": "message",
            "title": "Bienvenue",
            "texts": {
                "fr": "Bienvenue à Saint-Denis Pleyel",
                "en": "Welcome to Saint-Denis Pleyel",
                "ar": "مرحبا بكم في سان دوني بلييل",
            },
            "template": "welcome",
            "duration_seconds": 4,
        },
    )
    media = httpx.post(f"{web}{SIGNAGE}/media", content=photo_png((1280, 1000)), headers=operator).json()
    photo = call(
        "POST",
        "/content",
        {"kind": "image", "title": "Le hall", "media": media["sha256"], "duration_seconds": 4},
    )
    playlist = call(
        "POST",
        "/playlists",
        {
            "code": f"pl-{code}",
            "name": f"Hall {code}",
            "items": [{"content_item_id": photo["id"]}, {"content_item_id": welcome["id"]}],
        },
    )
    call(
        "POST",
        "/schedules",
        {
            "code": f"s-{code}",
            "name": "Toute la journée",
            "playlist_id": playlist["id"],
            "targets": {"screens": [code]},
        },
    )

    served = Departures()
    context = new_context(browser, web, viewport=SCREEN)
    page = context.new_page()
    page.route("**/kiosk/departures**", served.handle)
    try:
        page.goto("/player/")
        expect(page.locator("#pairing-code")).to_have_text(USER_CODE)
        claimed = httpx.post(
            f"{web}/auth/devices/claim",
            json={
                "user_code": page.locator("#pairing-code").inner_text(),
                "station": SAINT_DENIS,
                "kind": "screen",
                "binding": code,
            },
            headers=operator,
        )
        assert claimed.status_code == 201, claimed.text
        expect(page.locator("html")).to_have_attribute("data-ready", "true", timeout=15000)

        # Landscape: the rotation on two thirds, the clock and the board beside it, the ticker below.
        expect(page.locator("#stage")).to_have_attribute("data-layout", "landscape", timeout=10000)
        content, board, ticker = box(page, "content"), box(page, "departures"), box(page, "ticker")
        assert abs(content["width"] - 1280) < 4 and content["x"] == 0
        assert board["x"] >= content["width"] - 1 and ticker["y"] >= content["height"] - 1
        assert abs(ticker["width"] - 1920) < 2
        expect(page.locator("[data-region='departures'] .board__row")).to_have_count(5, timeout=10000)
        expect(page.locator("[data-region='departures'] .board__row").first).to_contain_text("Pont de Sèvres")
        expect(page.locator("[data-region='clock'] .clock__time")).to_have_text(re.compile(r"^\d{2}:\d{2}$"))
        # Each mode its icon; a delayed and a cancelled departure say so.
        assert page.locator("[data-region='departures'] svg.mode-icon[aria-label='rer']").count() == 1
        assert page.locator("[data-region='departures'] svg.mode-icon[aria-label='bus']").count() == 1
        expect(page.locator(".board__when[data-status='cancelled']").first).to_have_text("Supprimé")
        expect(page.locator(".board__when[data-status='delayed']").first).to_contain_text("+3")

        # The board follows its live stream: the next sample comes without any reload of the page.
        first = regions(page)["departures"]["rows"][0]["next"][0]
        served.round = 3
        eventually(lambda: regions(page)["departures"]["rows"][0]["next"][0] != first or None, timeout=10)
        assert regions(page)["departures"]["rows"][0]["next"][0] == "À quai"
        assert any("/departures/live" in url for url in served.requests)
        eventually(
            lambda: any(s["kind"] == "image" for s in page.evaluate("window.__player.shown")) or None,
            timeout=12,
        )
        expect(page.locator(".is-shown .picture")).to_have_attribute("data-fit", "cover")
        screenshots.take(page, "player-landscape", docs=True)

        # A source that goes stale: the board says so, and dims.
        served.stale = True
        expect(page.locator("[data-region='departures']")).to_have_attribute(
            "data-stale", "true", timeout=10000
        )
        expect(page.locator(".board__note")).to_contain_text("Données anciennes")
        screenshots.take(page, "player-departures-stale", docs=True)
        served.stale = False

        # A disruption for the ticker only: a line in the band, no alert.
        publish_now(
            stack.nats_url,
            disruption(
                kiosk.PUBLISHED,
                f"t-{code}",
                "ticker",
                {
                    "fr": "Ligne 15 : travaux ce week-end, bus de remplacement",
                    "en": "Line 15: works this weekend",
                },
            ),
        )
        expect(page.locator(".ticker__run").first).to_contain_text("travaux ce week-end", timeout=10000)
        assert page.locator("#alert").is_hidden()
        screenshots.take(page, "player-ticker", docs=True)

        # A disruption whose reach is `alert` takes the whole screen within 2 s of its document change.
        alert_id = f"a-{code}"
        published_at = page.evaluate("Date.now()")
        publish_now(
            stack.nats_url,
            disruption(
                kiosk.PUBLISHED,
                alert_id,
                "alert",
                {"fr": "Ligne 15 : trafic interrompu", "en": "Line 15: no service"},
            ),
        )
        expect(page.locator("#alert")).to_be_visible(timeout=10000)
        shown_at = page.evaluate("window.__player.alert.shownAt")
        assert shown_at - published_at < 2000 + 1500, shown_at - published_at  # the consumer's hop included
        expect(page.locator("#alert-text")).to_contain_text("Ligne 15")
        screenshots.take(page, "player-disruption-alert", docs=True)
        alerts = call("GET", "/alerts", params={"active": "true"})["items"]
        assert [a["source"] for a in alerts if a["source"]] == [f"disruption:{alert_id}"]
        publish_now(stack.nats_url, disruption(kiosk.CLEARED, alert_id, "alert", {}))
        expect(page.locator("#alert")).to_be_hidden(timeout=5000)
        publish_now(stack.nats_url, disruption(kiosk.CLEARED, f"t-{code}", "ticker", {}))
        # Its line leaves the ticker (others may stay: the station's own disruptions and events).
        expect(page.locator(f".ticker__item[data-id='t-{code}']")).to_have_count(0, timeout=10000)

        # Portrait, at its size: the clock, the rotation, the board, the ticker from top to bottom.
        call(
            "PUT",
            f"/screens/{code}",
            screen | {"orientation": "portrait", "resolution": "1080x1920", "layout": "portrait"},
        )
        page.set_viewport_size(KIOSK)
        expect(page.locator("#stage")).to_have_attribute("data-layout", "portrait", timeout=10000)
        tops = [box(page, name)["y"] for name in ("clock", "content", "departures", "ticker")]
        assert tops == sorted(tops) and all(
            abs(box(page, n)["width"] - 1080) < 2 for n in ("content", "departures")
        )
        expect(page.locator("[data-region='departures'] .board__row")).to_have_count(5, timeout=10000)
        screenshots.take(page, "player-portrait", docs=True)

        # Arabic first: the page reads right to left, the grid mirrors (the board on the left).
        call("PUT", f"/screens/{code}", screen | {"languages": ["ar", "fr"]})
        page.set_viewport_size(SCREEN)
        expect(page.locator("html")).to_have_attribute("dir", "rtl", timeout=10000)
        expect(page.locator("#stage")).to_have_attribute("data-layout", "landscape")
        eventually(lambda: box(page, "departures")["x"] < box(page, "content")["x"] or None, timeout=5)
        eventually(lambda: page.locator(".is-shown .message[lang='ar']").count() or None, timeout=15)
        # The message in its template: the welcome's large greeting on the station's colour.
        eventually(
            lambda: (
                page.locator(".is-shown .item--message[data-template='welcome'] .message[lang='ar']").count()
                or None
            ),
            timeout=15,
        )
        screenshots.take(page, "player-rtl", docs=True)

        # Proof of play names the region the rotation played in.
        today = datetime.now(UTC).date()
        days = {
            "since": str(today - timedelta(days=1)),
            "until": str(today + timedelta(days=1)),
            "screen": code,
        }

        def plays_in_content() -> int | None:
            rows = call("GET", "/plays/report", params=days | {"region": "content"})["items"]
            return sum(r["plays"] for r in rows) or None

        eventually(plays_in_content, timeout=25)
        assert call("GET", "/plays/report", params=days | {"region": "ticker"})["items"] == []

        # Without the sample on the way, the board shows the station's own departures: the simulated
        # producer's SIRI Lite and GTFS-Realtime feeds, pulled by info_kiosk, through the gateway.
        page.unroute("**/kiosk/departures**")

        def showing_the_station_s_own() -> bool | None:
            read = httpx.get(f"{web}/api/v1/stations/{SAINT_DENIS}/kiosk/departures", timeout=10).json()
            shown = regions(page)["departures"]
            lines = {board["line"] for board in read["boards"]}
            rows = shown.get("rows") or []
            same = read["generated_at"] is not None and shown.get("generatedAt") == read["generated_at"]
            return (
                same and bool(rows) and {row["line"] for row in rows} <= lines and not shown["stale"]
            ) or None

        eventually(showing_the_station_s_own, timeout=90, interval=0.5)

        # A disruption raised and cleared by its source: a SIRI Lite GeneralMessage (a recorded
        # real-format sample) on the RER D, which the station's rules put on the whole screen; its
        # producer drops it and the screens let it go.
        kiosk_api = f"{web}/api/v1/stations/{SAINT_DENIS}/kiosk/departure-sources"
        with feed_server() as server:
            serve_samples(server, datetime.now(UTC))
            source = {**siri_source(server, f"src-{code}"), "poll_seconds": 60}
            made = httpx.post(kiosk_api, json=source, headers=operator, timeout=10)
            assert made.status_code == 201, made.text
            try:
                expect(page.locator("#alert")).to_be_visible(timeout=30000)
                expect(page.locator("#alert-text")).to_contain_text("RER D : trafic perturbé")
                server.serve(
                    "/siri/general-message",
                    general_message_without("IDFM:Message::RERD-travaux:LOC", datetime.now(UTC)),
                )
                changed = httpx.patch(
                    f"{kiosk_api}/src-{code}",
                    json={"stops": source["stops"][::-1]},  # new stops: pulled again at once
                    headers=operator,
                    timeout=10,
                )
                assert changed.status_code == 200, changed.text
                expect(page.locator("#alert")).to_be_hidden(timeout=30000)
            finally:
                httpx.delete(f"{kiosk_api}/src-{code}", headers=operator, timeout=10)
    finally:
        context.close()
