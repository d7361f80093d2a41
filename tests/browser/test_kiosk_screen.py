"""The kiosk as a kiosk, on its 1080x1920 screen in Chromium against the whole stack: the attract
screen, the main flow (search or pick, route on the plan, QR) without ever scrolling, "which exit for
the 153", the departures board (live, or saying there are none), the reset after a while alone, and
the same in Arabic, right to left."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from testkit.stack import SAINT_DENIS
from tests.browser.support import KIOSK, Screenshots, answer_departures

pytestmark = pytest.mark.e2e
STATION_NAME = "Saint-Denis \u2013 Pleyel"  # the catalog writes it with an en dash
ADDRESS = f"/kiosk/?station={SAINT_DENIS}&here=hall"


def assert_fits(page: Page, step: str) -> None:
    """The whole page is on the screen: nothing below the fold, nothing to scroll to."""
    height, inner, width, inner_width = page.evaluate(
        "() => [document.documentElement.scrollHeight, window.innerHeight,"
        " document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert height <= inner, f"{step}: the page is {height} px tall on a {inner} px screen"
    assert width <= inner_width, f"{step}: the page is {width} px wide on a {inner_width} px screen"


def assert_targets_are_large(page: Page) -> None:
    """Every visible button is at least 44 px each way (WCAG 2.2 2.5.5 enhanced)."""
    small = page.evaluate(
        """() => [...document.querySelectorAll('button')]
          .filter((b) => b.offsetParent !== null)
          .map((b) => [b.textContent.trim(), b.getBoundingClientRect()])
          .filter(([, r]) => r.width < 44 || r.height < 44)
          .map(([text, r]) => `${text} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == [], f"touch targets under 44 px: {small}"


def start(page: Page, address: str = ADDRESS) -> None:
    page.set_viewport_size({"width": KIOSK["width"], "height": KIOSK["height"]})
    page.goto(address)
    expect(page.locator("body")).to_have_attribute("data-ready", "true")


def departures_body() -> dict:
    now = datetime.now(UTC)

    def at(minutes: float) -> str:
        return (now + timedelta(minutes=minutes)).isoformat()

    return {
        "station_id": SAINT_DENIS,
        "generated_at": at(0),
        "boards": [
            {
                "stop_code": "quai-14",
                "stop_name": "Saint-Denis Pleyel",
                "mode": "metro",
                "line": "14",
                "line_color": "#62259D",
                "direction": "Aéroport d'Orly",
                "exit_code": None,
                "departures": [
                    {
                        "destination": "Aéroport d'Orly",
                        "aimed_at": at(2.5),
                        "expected_at": at(2.5),
                        "delay_seconds": 0,
                        "status": "on_time",
                        "platform": "1",
                    },
                    {
                        "destination": "Aéroport d'Orly",
                        "aimed_at": at(5.5),
                        "expected_at": None,
                        "delay_seconds": None,
                        "status": "cancelled",
                        "platform": "1",
                    },
                ],
            },
            {
                "stop_code": "bus-carrefour-pleyel",
                "stop_name": "Carrefour Pleyel",
                "mode": "bus",
                "line": "153",
                "line_color": "#FFCD00",
                "direction": "Porte de la Chapelle",
                "exit_code": "exit-rue-pleyel",
                "departures": [
                    {
                        "destination": "Porte de la Chapelle",
                        "aimed_at": at(3.5),
                        "expected_at": at(7.5),
                        "delay_seconds": 240,
                        "status": "delayed",
                        "platform": None,
                    }
                ],
            },
        ],
        "sources": [],
    }


def test_the_main_flow_fits_the_screen_and_finds_the_exit_for_the_153(page: Page, screenshots: Screenshots):
    # The departures service answers in the shape it publishes (it is built beside this page).
    answer_departures(page, departures_body())
    start(page)
    attract = page.locator("#attract")
    expect(attract).to_be_visible()
    expect(page.locator("#attract-station")).to_have_text(STATION_NAME)
    expect(page.locator("#attract [data-start]")).to_have_count(8)
    expect(page.locator("#attract [data-start=ar]")).to_have_text("العربيةالمس الشاشة للبدء")
    assert_fits(page, "attract screen")
    screenshots.take(page, "kiosk-attract", docs=True)

    page.click("#attract-station")  # a touch anywhere but on a language: the default one
    expect(attract).to_be_hidden()
    expect(page.locator("#kiosk-title")).to_have_text(STATION_NAME)
    # The board: metro first, a cancellation shown as such, the bus with its exit and its delay.
    rows = page.locator("#departures tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-mode", "metro")
    expect(rows.nth(1)).to_have_attribute("data-status", "cancelled")
    expect(rows.nth(1)).to_contain_text("Supprimé")
    expect(rows.nth(2)).to_contain_text("Sortie Rue Pleyel")
    expect(rows.nth(2)).to_contain_text("+4")
    assert_fits(page, "start")
    assert_targets_are_large(page)

    # Which exit for the 153? Both stops it serves, each with its exit and how far.
    page.fill("#search", "153")
    hits = page.locator("#hits button")
    expect(hits.first).to_have_attribute("data-kind", "bus_stop")
    expect(page.locator("#hits button[data-code=bus-carrefour-pleyel]")).to_have_attribute(
        "data-exit", "exit-rue-pleyel"
    )
    # The distance is isolated left to right (U+2066 ... U+2069), so that it reads "140 m" in Arabic too.
    expect(page.locator("#hits button[data-code=bus-carrefour-pleyel]")).to_contain_text(
        re.compile("Sortie Rue Pleyel · \u2066140 m\u2069")
    )
    assert_fits(page, "which exit for the 153")
    page.click("#hits button[data-code=bus-carrefour-pleyel]")
    route = page.locator("#route")
    expect(route).to_have_attribute("data-exit", "exit-rue-pleyel")
    expect(route).to_have_attribute("data-found", "true")
    expect(page.locator("#route-outside")).to_contain_text("140 m")
    expect(page.locator("#qr")).to_be_visible()
    expect(page.locator(".plan__route").first).to_be_visible()
    assert_fits(page, "route to the bus stop")
    assert_targets_are_large(page)
    screenshots.take(page, "kiosk-which-exit-153", docs=True)

    # A pick instead of typing: the platforms; a route to one of them, with its plan.
    page.click("[data-pick=platforms]")
    expect(page.locator("#hits button[data-code=quai-14]")).to_be_visible()
    page.click("#hits button[data-code=quai-14]")
    expect(route).to_have_attribute("data-places", re.compile(r"^hall .* quai-14$"))
    expect(route).to_have_attribute("data-exit", "")
    assert_fits(page, "route to a platform")
    screenshots.take(page, "kiosk-route-platform", docs=True)


def test_alone_for_a_while_it_goes_back_to_its_start(page: Page):
    answer_departures(page, None)
    start(page, f"{ADDRESS}&idle=3")
    page.click("#attract [data-start=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.fill("#search", "toilets")
    page.click("#hits button[data-code=toilets-hall]")
    expect(page.locator("#route")).to_have_attribute("data-found", "true")
    # Touches keep it with the person in front of it...
    for _ in range(3):
        page.wait_for_timeout(1500)
        page.mouse.move(500, 900)
        page.mouse.down()
        page.mouse.up()
    expect(page.locator("#attract")).to_be_hidden()
    # ...then nobody: back to the attract screen, in French, with nothing of the last person's.
    expect(page.locator("#attract")).to_be_visible(timeout=6000)
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#search")).to_have_value("")
    expect(page.locator("#hits li")).to_have_count(0)
    expect(page.locator("#route")).to_have_attribute("data-places", "")
    expect(page.locator("#qr")).to_be_hidden()
    expect(page.locator("[data-profile=fastest]")).to_have_attribute("aria-pressed", "true")
    # No live departures (the service has none for this station): the board says so.
    expect(page.locator("#departures-none")).to_be_visible()


def test_in_arabic_right_to_left_it_still_fits(page: Page, screenshots: Screenshots):
    answer_departures(page, None)
    start(page)
    page.click("#attract [data-start=ar]")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#departures-none")).to_have_text("لا توجد مغادرات مباشرة حاليًا")
    page.fill("#search", "Vélib")
    dock = page.locator("#hits button[data-kind=vehicle_station]").first
    expect(dock).to_be_visible()
    # Its bikes now, beside it, from bike_share's events.
    expect(page.locator("#hits button[data-kind=vehicle_station] .hit__bikes").first).to_be_visible()
    dock.click()
    expect(page.locator("#route")).to_have_attribute("data-found", "true")
    expect(page.locator("#route-outside")).to_be_visible()
    assert_fits(page, "arabic route to a dock")
    assert_targets_are_large(page)
    screenshots.take(page, "kiosk-arabic-velib", docs=True)


def test_the_board_shows_the_station_s_live_departures(page: Page):
    """No page.route here: the simulated producer's SIRI Lite and GTFS-Realtime feeds, pulled by the
    service, reach the board through the gateway."""
    start(page)
    page.click("#attract-station")
    metro = page.locator("#departures tbody tr[data-mode=metro]")
    expect(metro.first).to_be_visible(timeout=60_000)
    expect(page.locator("#departures-none")).to_have_count(0)
