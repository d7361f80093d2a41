"""The traveller app at phone size against the whole stack: the route tab (from, to, profile, the
steps, the walk outside to a bus stop, the plan), and the departures tab with "which exit for …"."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from testkit.stack import SAINT_DENIS
from tests.browser.support import PHONE, Screenshots, answer_departures
from tests.browser.test_kiosk_screen import departures_body

pytestmark = pytest.mark.e2e


def test_the_route_tab_goes_out_to_the_bus_stop_with_the_plan(page: Page, screenshots: Screenshots):
    page.set_viewport_size(PHONE)
    page.goto(f"/app/#/route?station={SAINT_DENIS}&from=quai-14")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.locator("h1")).to_have_text("Itinéraire")
    expect(page.locator("#route-from")).to_have_value("quai-14")
    # Where to: the 153, found outside the Rue Pleyel exit.
    page.fill("#route-search", "153")
    stop = page.locator("#route-hits button[data-code=bus-carrefour-pleyel]")
    expect(stop).to_have_attribute("data-exit", "exit-rue-pleyel")
    stop.click()
    route = page.locator("#route")
    expect(route).to_have_attribute("data-found", "true")
    expect(route).to_have_attribute("data-exit", "exit-rue-pleyel")
    expect(route).to_have_attribute("data-places", re.compile(r"^quai-14 .* exit-rue-pleyel$"))
    expect(page.locator("#route-outside")).to_contain_text("140 m")
    expect(page.locator("#route-outside")).to_contain_text("153")
    expect(page.locator("#route-plan .plan__route").first).to_be_visible()
    screenshots.take(page, "app-route-phone", docs=True)
    # Step-free: the exit has stairs only; the app says why, and the way there is.
    page.select_option("#route-profile", "step_free")
    expect(route).to_have_attribute("data-found", "false")
    expect(route.locator("[role=alert]")).to_be_visible()
    # Another start: the steps follow.
    page.select_option("#route-profile", "fastest")
    page.select_option("#route-from", "hall")
    expect(route).to_have_attribute("data-places", re.compile(r"^hall .* exit-rue-pleyel$"))


def test_the_departures_tab_lists_the_next_ones_and_which_exit_to_take(page: Page, screenshots: Screenshots):
    page.set_viewport_size(PHONE)
    answer_departures(page, departures_body())
    page.goto(f"/app/#/departures?station={SAINT_DENIS}")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    rows = page.locator("#departures-board li")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_have_attribute("data-mode", "metro")
    expect(rows.nth(1)).to_contain_text("Supprimé")
    expect(rows.nth(2)).to_contain_text("Sortie Rue Pleyel")
    page.fill("#exit-search", "bus 153")
    answers = page.locator("#exit-hits li")
    expect(answers.first).to_contain_text("Sortie")
    expect(page.locator("#exit-hits li[data-code=bus-carrefour-pleyel]")).to_have_attribute(
        "data-exit", "exit-rue-pleyel"
    )
    screenshots.take(page, "app-departures-phone", docs=True)
    # From the answer to the route there.
    page.locator("#exit-hits li[data-code=bus-carrefour-pleyel] a").click()
    expect(page.locator("#route")).to_have_attribute("data-exit", "exit-rue-pleyel")


def test_without_live_departures_the_tab_says_so(page: Page):
    page.set_viewport_size(PHONE)
    answer_departures(page, None)
    page.goto(f"/app/#/departures?station={SAINT_DENIS}")
    expect(page.locator("#departures-none")).to_be_visible()


def test_the_departures_tab_shows_the_station_s_live_departures(page: Page):
    """No page.route: the simulated producer's feeds, pulled by the service, through the gateway."""
    page.set_viewport_size(PHONE)
    page.goto(f"/app/#/departures?station={SAINT_DENIS}")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.locator("#departures-board li[data-mode=metro]").first).to_be_visible(timeout=60_000)
    expect(page.locator("#departures-none")).to_have_count(0)


def test_the_departures_tab_shows_the_disruptions_gravest_first_with_their_source(
    page: Page, screenshots: Screenshots
):
    page.set_viewport_size(PHONE)
    answer_departures(page, departures_body())

    def disruption(id_: str, severity: str, lines: list[str], fr: str, en: str) -> dict:
        return {
            "id": id_,
            "source_code": "idfm-siri-lite",
            "source_ref": id_,
            "severity": severity,
            "reach": "ticker",
            "rule_reach": "ticker",
            "state": "active",
            "overridden": False,
            "text": {"fr": fr, "en": en},
            "description": {},
            "lines": lines,
            "stops": [],
            "raised_at": "2026-12-07T08:00:00Z",
            "until": None,
            "updated_at": "2026-12-07T08:00:00Z",
            "cleared_at": None,
            "cleared_by": None,
        }

    page.route(
        re.compile(r".*/kiosk/disruptions(\?.*)?$"),
        lambda route: route.fulfill(
            status=200,
            content_type="application/json",
            body=json.dumps(
                {
                    "items": [
                        disruption("d1", "info", ["153"], "Arrêt déplacé rue Pleyel", "Stop moved"),
                        disruption("d2", "severe", ["RER D"], "Trafic interrompu", "No service"),
                    ],
                    "next_cursor": None,
                }
            ),
        ),
    )
    page.goto(f"/app/#/departures?station={SAINT_DENIS}")
    notices = page.locator("#disruptions .notice")
    expect(notices).to_have_count(2)
    expect(notices.nth(0)).to_have_attribute("data-severity", "severe")
    expect(notices.nth(0)).to_contain_text("RER D — Trafic interrompu")
    expect(notices.nth(0)).to_contain_text("idfm-siri-lite")
    expect(notices.nth(1)).to_contain_text("153 — Arrêt déplacé rue Pleyel")
    screenshots.take(page, "app-departures-disruptions-phone", docs=True)
