"""The console's live departures page in Chromium against the whole stack: the demo's sources shown
fresh with their departures, a source added that fails with its reason shown, a rule added, edited and
deleted; the page checked with axe-core."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from testkit.stack import SAINT_DENIS, bearer, eventually
from tests.browser.support import DESKTOP, assert_accessible, open_console

pytestmark = pytest.mark.e2e
BASE = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
OPERATOR = f"operator-{SAINT_DENIS}"


def fresh_sources(web: str, tokens) -> bool:
    items = httpx.get(f"{web}{BASE}/departure-sources", headers=bearer(tokens.operator())).json()["items"]
    return {s["code"]: s["state"] for s in items} == {"bus-gtfs-rt": "fresh", "idfm-siri-lite": "fresh"}


def test_operators_see_their_sources_add_one_that_fails_and_manage_rules(
    page: Page, web: str, stack, tokens, screenshots
) -> None:
    eventually(lambda: fresh_sources(web, tokens) or None, timeout=60)
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, OPERATOR, "#/kiosk/departures", station=SAINT_DENIS)
    expect(page.locator("#view-title")).to_be_visible()
    sources = page.locator("#sources")
    expect(sources.locator("tr[data-key=idfm-siri-lite]")).to_contain_text("À jour")
    expect(sources.locator("tr[data-key=bus-gtfs-rt]")).to_contain_text("GTFS-Realtime")
    assert_accessible(page)
    try:
        page.click("#create-source")
        dialog = page.locator("dialog[open]")
        dialog.get_by_label("Code", exact=True).fill("ui-broken")
        dialog.get_by_label("Nom", exact=True).fill("Flux de test")
        feed = stack.demo["departures_feed"]
        dialog.get_by_label("URL des départs", exact=True).fill(
            f"{feed}/siri-lite/{SAINT_DENIS}/nothing-here"
        )
        dialog.get_by_label("Arrêts", exact=True).fill(
            "STIF:StopPoint:Q:1: | quai-test | Quai de test | metro"
        )
        dialog.locator("[data-action=submit]").click()
        expect(dialog).to_have_count(0)

        def failing() -> bool | None:
            items = httpx.get(f"{web}{BASE}/departure-sources", headers=bearer(tokens.operator())).json()[
                "items"
            ]
            return any(s["code"] == "ui-broken" and s["state"] == "failing" for s in items) or None

        eventually(failing, timeout=30)
        page.reload()
        row = page.locator("#sources tr[data-key=ui-broken]")
        expect(row).to_contain_text("En échec")
        expect(row.locator("[data-reason]")).to_contain_text("answered 404")

        page.click("#create-rule")
        dialog = page.locator("dialog[open]")
        dialog.get_by_label("Code", exact=True).fill("ui-ligne-13")
        dialog.get_by_label("Nom", exact=True).fill("Ligne 13 en plein écran")
        dialog.get_by_label("Lignes", exact=True).fill("13")
        dialog.locator("select[name=reach]").select_option("alert")
        dialog.locator("[data-action=submit]").click()
        rule = page.locator("#rules tr[data-key=ui-ligne-13]")
        expect(rule).to_contain_text("Plein écran")
        # Without the toast over it, as an operator comes back to the page.
        page.reload()
        expect(rule).to_contain_text("Plein écran")
        expect(page.locator("#sources tr[data-key=idfm-siri-lite]")).to_contain_text("À jour")
        assert_accessible(page)
        screenshots.take(page, "console-kiosk-departures", docs=True, full_page=True)

        rule.locator("[data-action=edit]").click()
        page.locator("dialog[open] select[name=reach]").select_option("ticker")
        page.locator("dialog[open] [data-action=submit]").click()
        expect(rule).to_contain_text("Bandeau")
        rule.locator("[data-action=delete]").click()
        page.locator("dialog[open] [data-value=true]").click()
        expect(rule).to_have_count(0)
    finally:
        operator = bearer(tokens.operator())
        httpx.delete(f"{web}{BASE}/departure-sources/ui-broken", headers=operator)
        httpx.delete(f"{web}{BASE}/disruption-rules/ui-ligne-13", headers=operator)
