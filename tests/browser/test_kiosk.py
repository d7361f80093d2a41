"""The kiosk page in Chromium against the whole stack: a search with a typo in Arabic (right to
left), a step-free route drawn on the plan, a lift outage rerouting the route on screen, and the
QR code handing the same route to the traveller app."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from testkit.stack import VILLEJUIF, bearer
from tests.browser.support import KIOSK, Screenshots

pytestmark = pytest.mark.e2e
VJ = f"/api/v1/stations/{VILLEJUIF}/kiosk"
ARABIC = re.compile("[\u0600-\u06ff]")


def test_a_kiosk_route_follows_an_outage_and_goes_to_the_phone(
    page: Page, web: str, tokens, screenshots: Screenshots
) -> None:
    page.set_viewport_size({"width": KIOSK["width"], "height": KIOSK["height"]})
    page.goto(f"/kiosk/?station={VILLEJUIF}&here=exit-bd-maxime-gorki")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.click("#attract-station")  # touch to start (away from the language buttons)
    page.click("[data-lang=ar]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    page.fill("#search", "quai champigy")  # a typo
    first = page.locator("#hits button").first
    expect(first).to_have_attribute("data-code", "quai-15-b")
    expect(first).to_have_text("رصيف الخط 15 باتجاه Champigny Centre")
    page.click("[data-profile=step_free]")
    first.click()
    route = page.locator("#route")
    expect(route).to_have_attribute(
        "data-places", "exit-bd-maxime-gorki lift-street hall gates mezzanine lift-15-b quai-15-b"
    )
    last = page.locator("#route-body li").last
    expect(last.locator(".route__instruction")).to_have_text("خذ المصعد إلى أرصفة الخط 15 (-3)")
    # Level changes carry the same number in the steps and on the plan.
    expect(last).to_have_attribute("data-change", "2")
    # The plan turns to the platform's level and draws the last leg of the route on it.
    expect(page.locator("[role=tab][aria-selected=true]")).to_have_attribute("data-level", "L-3")
    expect(page.locator(".plan__route")).to_have_count(1)
    expect(page.locator(".plan__marker--end")).to_have_count(1)
    expect(page.locator("#plan [data-place=quai-15-a]")).to_have_count(1)
    screenshots.take(page, "kiosk-route-arabic", docs=True)

    # The QR code opens the same route in the app.
    qr = httpx.get(
        f"{web}{VJ}/route/qr",
        params={"from": "exit-bd-maxime-gorki", "to": "quai-15-b", "profile": "step_free", "lang": "ar"},
    )
    link = qr.headers["x-route-link"]
    assert link.startswith(f"{web}/app/#/route?station={VILLEJUIF}")
    src = page.locator("#qr-image").get_attribute("src") or ""
    assert src.startswith(f"{VJ}/route/qr?") and "profile=step_free" in src
    phone = page.context.new_page()
    phone.goto(link)
    expect(phone.locator("#route")).to_have_attribute(
        "data-places", "exit-bd-maxime-gorki lift-street hall gates mezzanine lift-15-b quai-15-b"
    )
    phone.close()

    # The lift goes out of service: the route on screen changes by itself.
    operator = bearer(tokens.operator(VILLEJUIF))
    try:
        down = httpx.put(
            f"{web}{VJ}/equipment/lift-15-b", json={"status": "out_of_service"}, headers=operator
        )
        assert down.status_code == 200, down.text
        expect(route).to_have_attribute("data-found", "false", timeout=10_000)
        expect(page.locator("#route-explanation")).to_contain_text("خارج الخدمة")
        expect(route).to_have_attribute(
            "data-places",
            "exit-bd-maxime-gorki hall gates mezzanine escalators-14 quai-14-b escalators-15 quai-15-b",
        )
        expect(page.locator("#live [data-panel=outages] li")).to_have_count(1)
    finally:
        httpx.put(f"{web}{VJ}/equipment/lift-15-b", json={"status": "in_service"}, headers=operator)
    expect(route).to_have_attribute("data-found", "true", timeout=10_000)

    # In French, on the hall's level: every place of the level with its label, route from the start.
    page.click("[data-lang=fr]")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    # Everything the API wrote follows the switch: the chosen destination, the steps, the plan,
    # the level tabs and the live panels; no Arabic left anywhere in the page's content.
    chosen = page.locator("#hits button[aria-pressed=true]")
    expect(chosen).to_have_attribute("data-code", "quai-15-b")
    expect(chosen).to_have_text("Quai ligne 15 direction Champigny Centre")
    steps = page.locator("#route-body li .route__instruction")
    expect(steps.first).to_have_text("Marchez jusqu'à Ascenseur Boulevard Maxime Gorki")
    expect(steps.last).to_have_text("Prenez l'ascenseur jusqu'au niveau Quais ligne 15 (-3)")
    expect(page.locator("#main")).not_to_contain_text(ARABIC)
    page.click("[role=tab][data-level=L-1]")
    expect(page.locator("#plan [data-place=toilets-hall]")).to_have_count(1)
    screenshots.take(page, "kiosk-route-french", docs=True)
    page.click("[data-lang=zh]")
    expect(page.locator("html")).to_have_attribute("lang", "zh")
    screenshots.take(page, "kiosk-route-chinese")


def test_live_panels_tell_nothing_to_report_from_a_failed_source(page: Page, web: str) -> None:
    page.set_viewport_size({"width": KIOSK["width"], "height": KIOSK["height"]})
    page.goto(f"/kiosk/?station={VILLEJUIF}&here=exit-bd-maxime-gorki")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    panels = page.locator("#live [data-panel]")
    expect(panels).to_have_count(4)
    # A panel with nothing in it (no alert ever raised, no data yet) says so; it is not "out of date".
    live = httpx.get(f"{web}{VJ}/live").json()
    for name in ("alerts", "lockers", "vehicles"):
        if not live[name]["items"]:
            panel = page.locator(f"#live [data-panel={name}]")
            expect(panel).to_have_attribute("data-stale", "false")
            expect(panel.locator(".panel__stale")).to_have_count(0)
    # The live panels' source fails: every panel is marked, whatever it showed.
    page.route("**/kiosk/live*", lambda route: route.fulfill(status=503, body=""))
    expect(page.locator("#live")).to_have_attribute("data-failed", "true", timeout=10_000)
    for index in range(4):
        expect(panels.nth(index)).to_have_attribute("data-stale", "true")
    # It answers again: back to what the service says.
    page.unroute("**/kiosk/live*")
    expect(page.locator("#live")).to_have_attribute("data-failed", "false", timeout=10_000)
    if not live["alerts"]["items"]:
        expect(page.locator("#live [data-panel=alerts]")).to_have_attribute("data-stale", "false")
