"""The traveller app's vehicles view in Chromium against the whole stack: what can be taken near
the station, nearest walk first, by kind, with a report through the gateway showing on reload."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import Screenshots, assert_accessible
from tests.support import SAINT_DENIS, Tokens, bearer

pytestmark = pytest.mark.e2e
VELIB = "velib-metropole-653046369"  # Carrefour Pleyel, 375 m from the station


def test_the_vehicles_view_lists_what_is_near_by_kind_and_follows_a_report(
    page: Page, web: str, stack, screenshots: Screenshots
) -> None:
    operator = bearer(Tokens(stack).operator())
    report = {
        "num_vehicles_available": 9,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": 4},
            {"vehicle_type_id": "velib-ebike", "count": 5},
        ],
        "num_docks_available": 40,
        "last_reported": datetime.now(UTC).isoformat(),
    }
    url = f"{web}/api/v1/stations/{SAINT_DENIS}/mobility/vehicle-stations/{VELIB}/status"
    assert httpx.put(url, json=report, headers=operator).status_code == 200

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

    report |= {
        "num_vehicles_available": 2,
        "vehicle_types_available": [
            {"vehicle_type_id": "velib-mechanical", "count": 2},
            {"vehicle_type_id": "velib-ebike", "count": 0},
        ],
        "last_reported": datetime.now(UTC).isoformat(),
    }
    assert httpx.put(url, json=report, headers=operator).status_code == 200
    page.reload()
    expect(rows.first).to_contain_text("2 · Vélib' mécanique")
    expect(rows.first).not_to_contain_text("Vélib' électrique")
