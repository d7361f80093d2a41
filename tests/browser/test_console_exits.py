"""The console's exits page in Chromium against the whole stack: what each exit leads to (the
catalog's docks and the operator's entries), a bus stop added with its lines, its walk measured,
then removed; the kiosk's search finds it while it is there."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from testkit.stack import SAINT_DENIS, bearer
from tests.browser.support import DESKTOP, Screenshots, assert_accessible, open_console

pytestmark = pytest.mark.e2e
SDP = f"/api/v1/stations/{SAINT_DENIS}/kiosk"
EXIT = "exit-rue-francis-de-pressense"


def test_an_operator_adds_edits_and_removes_what_an_exit_leads_to(
    page: Page, web: str, stack, tokens, screenshots: Screenshots
) -> None:
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, f"operator-{SAINT_DENIS}", "#/kiosk/exits", station=SAINT_DENIS)
    expect(page.locator("#view-title")).to_have_text("Sorties et où elles mènent")
    pleyel = page.locator("#exit-exit-rue-pleyel")
    expect(pleyel.locator("tr[data-key=bus-carrefour-pleyel]")).to_contain_text("139 153 173 255")
    expect(pleyel.locator("tr[data-key=bus-carrefour-pleyel]")).to_contain_text("Exploitant")
    assert_accessible(page)

    panel = page.locator(f"#exit-{EXIT}")
    panel.locator("[data-action=add]").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Code", exact=True).fill("bus-console-239")
    dialog.get_by_label("Type", exact=True).select_option("bus_stop")
    dialog.get_by_label("Lignes", exact=True).fill("239, N44")
    dialog.get_by_label("Nom (Français)", exact=True).fill("Arrêt Pressensé")
    dialog.locator("[data-action=submit]").click()
    row = panel.locator("tr[data-key=bus-console-239]")
    try:
        expect(row).to_contain_text("239 N44")
        expect(row).to_contain_text("estimée")
        hits = httpx.get(f"{web}{SDP}/search", params={"q": "N44"}).json()["items"]
        assert hits[0]["destination"]["code"] == "bus-console-239"
        screenshots.take(page, "console-kiosk-exits", docs=True)

        row.locator("[data-action=edit]").click()
        dialog = page.locator("dialog[open]")
        dialog.get_by_label("Marche depuis la sortie", exact=True).fill("60")
        dialog.locator("[data-action=submit]").click()
        expect(row).not_to_contain_text("estimée")
        expect(row).to_contain_text("60 m")

        row.locator("[data-action=delete]").click()
        page.locator("dialog[open] [data-value=true]").click()
        expect(row).to_have_count(0)
    finally:
        operator = bearer(tokens.operator(SAINT_DENIS))
        httpx.delete(f"{web}{SDP}/exits/{EXIT}/destinations/bus-console-239", headers=operator)
