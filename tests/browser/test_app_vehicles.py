"""The traveller app's vehicles view in Chromium against the whole stack: what can be taken near
the station, nearest walk first, by kind, with a report through the gateway showing at once by the
availability stream, and by polling when the stream cannot be opened."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Page, expect

from testkit.stack import SAINT_DENIS, Tokens, bearer
from tests.browser.support import Screenshots, assert_accessible

pytestmark = pytest.mark.e2e
VELIB = "velib-metropole-653046369"  # Carrefour Pleyel, 375 m from the station


def velib_report(mechanical: int, ebike: int) -> dict:
    return {
        "num_vehicles_available": mechanical + ebike,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": mechanical},
            {"vehicle_type_id": "velib-ebike", "count": ebike},
        ],
        "num_docks_available": 40,
        "last_reported": datetime.now(UTC).isoformat(),
    }


def test_the_vehicles_view_lists_what_is_near_by_kind_and_follows_a_report(
    page: Page, web: str, stack, screenshots: Screenshots
) -> None:
    operator = bearer(Tokens(stack).operator())
    url = f"{web}/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations/{VELIB}/status"
    assert httpx.put(url, json=velib_report(4, 5), headers=operator).status_code == 200

    page.goto(f"/app/#/vehicles?station={SAINT_DENIS}")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.locator("h1")).to_have_text("Vélos et véhicules")
    rows = page.locator("#vehicles-list .list__item")
    expect(rows.first).to_contain_text("Carrefour Pleyel")
    expect(rows.first).to_contain_text("à pied")
    expect(rows.first).to_contain_text("5 · Vélib' électrique")
    assert_accessible(page)
    screenshots.take(page, "app-vehicles-phone", docs=True)

    page.get_by_label("Voitures").check()
    expect(page.get_by_text("Aucun véhicule disponible")).to_be_visible()
    page.get_by_label("Tous").check()
    expect(rows.first).to_contain_text("Carrefour Pleyel")

    # The stream is open through the gateway: a report shows without reloading.
    expect(page.locator("#vehicles-list")).to_have_attribute("data-live", "true")
    assert httpx.put(url, json=velib_report(2, 0), headers=operator).status_code == 200
    expect(rows.first).to_contain_text("2 · Vélib' mécanique")
    expect(rows.first).not_to_contain_text("Vélib' électrique")


def test_without_the_stream_the_vehicles_view_polls(page: Page, web: str, stack) -> None:
    operator = bearer(Tokens(stack).operator())
    url = f"{web}/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations/{VELIB}/status"
    assert httpx.put(url, json=velib_report(3, 3), headers=operator).status_code == 200
    # A proxy on the way that refuses event streams; the page's timers are ours to move.
    page.route("**/mobility/events*", lambda route: route.fulfill(status=503, body=""))
    page.clock.install()
    page.goto(f"/app/#/vehicles?station={SAINT_DENIS}")
    rows = page.locator("#vehicles-list .list__item")
    expect(rows.first).to_contain_text("3 · Vélib' électrique")
    expect(page.locator("#vehicles-list")).to_have_attribute("data-live", "false")

    assert httpx.put(url, json=velib_report(1, 7), headers=operator).status_code == 200
    page.clock.run_for(16_000)  # past the fallback's 15 s interval
    expect(rows.first).to_contain_text("7 · Vélib' électrique")
