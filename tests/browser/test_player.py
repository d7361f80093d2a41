"""The signage player in Chromium against the whole stack: it pairs by the code it shows, rotates its
schedule's items for their durations with artwork credits, shows an alert within 2 seconds from its
push channel through the gateway (without polling its document) and acknowledges it, and keeps playing with the signage service stopped and after a reload offline."""

from __future__ import annotations

import io
import itertools
import re
import uuid
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from testkit.stack import SAINT_DENIS, bearer, eventually
from tests.browser.conftest import new_context
from tests.browser.support import DESKTOP, Screenshots

pytestmark = pytest.mark.e2e
SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"

# RFC 8628 user codes as the gateway makes them (no vowels: no words).
USER_CODE = re.compile(r"^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")


def artwork_png() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (640, 360), (20, 40, 90))
    for x in range(0, 640, 40):
        image.paste((240, 200, 60), (x, 120, x + 20, 240))
    image.save(out, format="PNG")
    return out.getvalue()


def exhibition(web: str, operator: dict[str, str], code: str) -> dict[str, Any]:
    """A screen, a message and an artwork of 3 s each, scheduled for that screen all day."""

    def post(path: str, body: Any = None, **kw: Any) -> dict[str, Any]:
        response = httpx.post(f"{web}{SIGNAGE}{path}", json=body, headers=operator, **kw)
        assert response.status_code == 201, response.text
        return response.json()

    post(
        "/screens",
        {
            "code": code,
            "name": "Écran navigateur",
            "location": "Hall",
            "zone": "hall",
            "orientation": "landscape",
            "resolution": "1280x800",
            "languages": ["fr", "en"],
        },
    )
    media = httpx.post(f"{web}{SIGNAGE}/media", content=artwork_png(), headers=operator).json()
    message = post(
        "/content",
        {
            "kind": "message",
            "title": "Bienvenue",
            "texts": {"fr": "Bienvenue", "en": "Welcome"},
            "duration_seconds": 3,
        },
    )
    work = post(
        "/content",
        {
            "kind": "artwork",
            "title": "Lignes du soir",
            "artist": "Karim Benali",
            "year": 2026,
            "credit": "Atelier de Saint-Denis",
            "media": media["sha256"],
            "duration_seconds": 3,
        },
    )
    playlist = post(
        "/playlists",
        {
            "code": f"pl-{code}",
            "name": f"Expo {code}",
            "items": [
                {"content_item_id": message["id"]},
                {"content_item_id": work["id"], "transition": "fade"},
            ],
        },
    )
    post(
        "/schedules",
        {
            "code": f"s-{code}",
            "name": "Toute la journée",
            "playlist_id": playlist["id"],
            "targets": {"screens": [code]},
        },
    )
    return {"message": message["id"], "work": work["id"]}


def shown(page: Page) -> list[dict[str, Any]]:
    return page.evaluate("window.__player ? window.__player.shown : []")


def shows_more(page: Page, count: int) -> list[dict[str, Any]] | None:
    items = shown(page)
    return items if len(items) >= count else None


def test_the_player_pairs_rotates_shows_alerts_and_plays_offline(
    browser, stack, web, tokens, screenshots: Screenshots
):
    operator = bearer(tokens.operator())
    code = f"ecran-{uuid.uuid4().hex[:6]}"
    ids = exhibition(web, operator, code)
    # The player's offline play rests on its service worker (the other pages' tests block them).
    context = new_context(browser, web, viewport=DESKTOP, service_workers="allow")
    page = context.new_page()
    try:
        page.goto("/player/")
        # No secret typed on the screen: it shows a code, the operator claims it for the screen.
        expect(page.locator("#pairing-code")).to_have_text(USER_CODE)
        user_code = page.locator("#pairing-code").inner_text()
        # Its QR code, as a phone's camera reads it off the screen, opens the pairing page with the code.
        qr = page.locator("#pairing-qr")
        expect(qr).to_be_visible()
        eventually(
            lambda: page.evaluate("() => document.getElementById('pairing-qr')?.naturalWidth > 0") or None,
            timeout=15,
        )
        read = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))
        assert [barcode.text for barcode in read] == [f"{web}/console/pair?user_code={user_code}"]
        claimed = httpx.post(
            f"{web}/auth/devices/claim",
            json={"user_code": user_code, "station": SAINT_DENIS, "kind": "screen", "binding": code},
            headers=operator,
        )
        assert claimed.status_code == 201, claimed.text
        expect(page.locator("html")).to_have_attribute("data-ready", "true", timeout=15000)

        # The rotation follows the schedule's playlist and each item's duration.
        items, _ = eventually(lambda: shows_more(page, 3), timeout=15)
        assert [i["id"] for i in items[:3]] in (
            [ids["message"], ids["work"], ids["message"]],
            [ids["work"], ids["message"], ids["work"]],
        )
        gaps = [(b["at"] - a["at"]) / 1000 for a, b in itertools.pairwise(items)]
        # Never cut short (a loaded machine may only make an item last longer).
        assert all(gap >= 2.8 for gap in gaps), gaps
        eventually(lambda: page.locator("#credit").is_visible(), timeout=8)
        expect(page.locator("#credit")).to_contain_text("Karim Benali, 2026 · Atelier de Saint-Denis")
        screenshots.take(page, "player", docs=True)

        # The push channel is open through the gateway, and the document is not polled meanwhile:
        # every request for it is counted from here on.
        eventually(lambda: page.evaluate("window.__player.live"), timeout=10)
        document_requests: list[str] = []
        page.on(
            "request",
            lambda request: (
                document_requests.append(request.url)
                if request.url.endswith(f"/screens/{code}/playlist")
                else None
            ),
        )
        quiet_from = len(shown(page))
        eventually(lambda: shows_more(page, quiet_from + 1), timeout=8)  # a few seconds go by
        assert document_requests == []

        # An alert shows by the stream (how fast: bench/signage_fanout.py), and the player acknowledges it.
        alert = httpx.post(
            f"{web}{SIGNAGE}/alerts",
            json={
                "severity": "emergency",
                "texts": {"fr": "Évacuez la gare", "en": "Leave the station"},
                "targets": {"screens": [code]},
            },
            headers=operator,
        ).json()
        eventually(
            lambda: page.evaluate("window.__player.alert && window.__player.alert.id") == alert["id"],
            timeout=30,
        )
        assert page.evaluate("window.__player.alert.via") == "stream"
        # At most the one revalidation the stream's `changed` asks for, no polling.
        assert len(document_requests) <= 1, document_requests
        expect(page.locator("#alert-text")).to_have_text("Évacuez la gare")
        screenshots.take(page, "player-alert")

        def acknowledged() -> bool:
            status = httpx.get(f"{web}{SIGNAGE}/alerts/{alert['id']}", headers=operator).json()
            return code in status["acknowledged"]

        eventually(acknowledged, timeout=5)
        httpx.post(f"{web}{SIGNAGE}/alerts/{alert['id']}/clear", headers=operator)
        expect(page.locator("#alert")).to_be_hidden(timeout=5000)

        # The signage service stops: the screen keeps playing; a reload without network plays on from
        # the service worker's cache; once the service is back the player reconnects by itself.
        stack.stop_component("signage")
        try:
            before = len(shown(page))
            eventually(lambda: shows_more(page, before + 1), timeout=10)
            context.set_offline(True)
            page.reload()
            expect(page.locator("html")).to_have_attribute("data-ready", "true", timeout=10000)
            eventually(lambda: shows_more(page, 1), timeout=10)
            work_shown = "document.querySelector('.is-shown img') && document.querySelector('.is-shown img').naturalWidth"
            eventually(lambda: page.evaluate(work_shown), timeout=10)
            assert page.evaluate("window.__player.online") is False
            context.set_offline(False)
        finally:
            stack.start_component("signage")
        eventually(lambda: page.evaluate("window.__player.online"), timeout=10)
    finally:
        context.close()


def test_without_its_push_channel_the_player_polls_its_document(browser, stack, web, tokens):
    operator = bearer(tokens.operator())
    code = f"ecran-{uuid.uuid4().hex[:6]}"
    exhibition(web, operator, code)
    context = new_context(browser, web, viewport=DESKTOP)
    page = context.new_page()
    # A proxy on the way that refuses event streams.
    page.route("**/signage/screens/*/events", lambda route: route.fulfill(status=503, body=""))
    document_requests: list[str] = []
    page.on("request", lambda r: document_requests.append(r.url) if r.url.endswith("/playlist") else None)
    try:
        page.goto("/player/")
        # The page shows "…" until the gateway gives it its code.
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
        alert = httpx.post(
            f"{web}{SIGNAGE}/alerts",
            json={
                "severity": "warning",
                "texts": {"fr": "Ascenseur en panne"},
                "targets": {"screens": [code]},
            },
            headers=operator,
        ).json()
        eventually(
            lambda: page.evaluate("window.__player.alert && window.__player.alert.id") == alert["id"],
            timeout=10,
        )
        assert page.evaluate("window.__player.alert.via") == "document"
        assert page.evaluate("window.__player.live") is False
        # It keeps polling (page.evaluate lets playwright deliver the request events meanwhile).
        eventually(
            lambda: page.evaluate("window.__player.live") is False and len(document_requests) >= 3, timeout=10
        )
        httpx.post(f"{web}{SIGNAGE}/alerts/{alert['id']}/clear", headers=operator)
    finally:
        context.close()
