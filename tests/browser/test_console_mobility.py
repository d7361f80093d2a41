"""The console's mobility section in Chromium against the whole stack: a system whose GBFS feed
cannot be read is added through the page by the network's administrator, its feed turns failing
with the reason while the page watches, and it is deleted through the page; a station operator is
not offered to change what every station shares; a system's own page with its stations and types."""

from __future__ import annotations

import secrets

import httpx
import pytest
from playwright.sync_api import Page, expect

from deploy.embedded.stack import StationStack
from testkit.stack import SAINT_DENIS, Tokens, bearer
from tests.browser.support import DESKTOP, Screenshots, assert_accessible, open_console
from tests.browser.test_console_lockers import console

pytestmark = pytest.mark.e2e
BASE = f"/api/v1/stations/{SAINT_DENIS}/mobility"
# Nothing listens on the discard port: the pull fails at once with "connection refused".
DEAD_FEED = "http://127.0.0.1:9/gbfs.json"
# The stack's ingest looks for feeds due every 10 s (BIKE_SHARE_INGEST_MIN_INTERVAL_SECONDS).
INGEST_ROUND_MS = 25_000


def test_a_system_with_a_dead_feed_shows_failing_with_why_then_goes(
    page: Page, stack: StationStack, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    system_id = f"t-{secrets.token_hex(3)}"
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, "admin", "#/mobility", station=SAINT_DENIS)
    expect(page.locator("#view-title")).to_have_text("Mobilités partagées")
    assert_accessible(page)
    try:
        page.locator("[data-action=new-system]").click()
        dialog = page.locator("dialog")
        dialog.locator("input[name=id]").fill(system_id)
        dialog.locator("input[name=name_fr]").fill("Vélos de test")
        dialog.locator("input[name=name_en]").fill("Test bikes")
        dialog.locator("input[name=feed_url]").fill(DEAD_FEED)
        assert_accessible(page)
        dialog.locator("[data-action=submit]").click()

        row = page.locator(f"table.systems tr[data-key='{system_id}']")
        expect(row).to_contain_text("Vélos de test")
        failing = row.locator("[data-feed=failing]")
        expect(failing).to_be_visible(timeout=INGEST_ROUND_MS)
        seen_by = {
            who: next(
                f
                for f in httpx.get(f"{web}{BASE}/feeds", headers=headers).json()
                if f["system_id"] == system_id
            )
            for who, headers in (("operator", bearer(tokens.operator())), ("public", {}))
        }
        feed = seen_by["operator"]
        assert feed["state"] == "failing" and feed["reason"]
        assert seen_by["public"]["state"] == "failing" and seen_by["public"]["reason"] is None
        expect(failing).to_contain_text(feed["reason"])
        screenshots.take(page, "console-mobility")

        row.locator("[data-action=delete]").click()
        page.locator("dialog [data-value=true]").click()
        expect(row).to_have_count(0)
        assert httpx.get(f"{web}{BASE}/systems/{system_id}").status_code == 404
    finally:
        httpx.delete(f"{web}{BASE}/systems/{system_id}", headers=bearer(tokens.admin()))


def test_a_station_operator_is_not_offered_to_change_what_every_station_shares(
    page: Page, stack: StationStack, web: str
) -> None:
    system_id = httpx.get(f"{web}{BASE}/systems").json()["items"][0]["id"]
    for route in ("#/mobility", f"#/mobility/systems/{system_id}"):
        console(page, stack, route)
        expect(page.locator("[data-note=shared]")).to_be_visible()
        expect(
            page.locator("[data-action=new-system], [data-action=edit], [data-action=delete]")
        ).to_have_count(0)


def test_a_system_page_lists_its_stations_types_and_plans(page: Page, stack: StationStack, web: str) -> None:
    systems = httpx.get(f"{web}{BASE}/systems").json()["items"]
    stations = httpx.get(f"{web}{BASE}/vehicle-stations").json()["items"]
    system_id = stations[0]["system_id"] if stations else systems[0]["id"]
    console(page, stack, f"#/mobility/systems/{system_id}")
    expect(page.locator("#view-title")).not_to_be_empty()
    expect(page.locator("#vehicle-stations")).to_be_visible()
    if stations:
        expect(page.locator("#vehicle-stations tbody tr").first).to_be_visible()
    assert_accessible(page)
