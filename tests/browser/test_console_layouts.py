"""The console's layouts page in Chromium against the whole stack: the templates previewed, a layout
copied from the landscape template with its departures board narrowed to a line, chosen for a
screen in the screen's form, refused while in use; accessibility checked."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from testkit.stack import SAINT_DENIS, Tokens, bearer
from tests.browser.support import DESKTOP, Screenshots, assert_accessible, open_console

pytestmark = pytest.mark.e2e

OPERATOR = "operator-saint-denis-pleyel"
SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"


def console(page: Page, stack: Any, route: str) -> None:
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, OPERATOR, route, station=SAINT_DENIS)
    expect(page.locator("#view-title")).to_be_visible()


def test_a_layout_is_made_from_a_template_and_chosen_for_a_screen(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    operator = bearer(tokens.operator())
    suffix = secrets.token_hex(3)
    code, screen = f"quai-l15-{suffix}", f"ecran-{suffix}"
    made = httpx.post(
        f"{web}{SIGNAGE}/screens",
        headers=operator,
        json={
            "code": screen,
            "name": f"Quai {suffix}",
            "location": "Quai 1",
            "orientation": "landscape",
            "resolution": "1920x1080",
            "languages": ["fr", "en"],
        },
    )
    assert made.status_code == 201, made.text

    console(page, stack, "#/signage/layouts")
    table = page.locator("#layouts")
    for template in ("fullscreen", "landscape", "portrait"):
        expect(table.locator(f"tr[data-key={template}] .layout-preview")).to_be_visible()
    expect(table.locator("tr[data-key=landscape] [data-region=departures]")).to_have_text("Départs")
    assert_accessible(page)

    table.locator("tr[data-key=landscape] [data-action=copy]").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Code", exact=True).fill(code)
    dialog.get_by_label("Nom", exact=True).fill("Quai ligne 15")
    expect(dialog.get_by_label("Grille", exact=True)).to_have_value(
        "content clock\ncontent departures\nticker ticker"
    )
    dialog.get_by_label("Départs : lignes", exact=True).fill("15")
    screenshots.take(page, "console-layout-form")
    dialog.locator("[data-action=submit]").click()
    expect(page.locator("dialog[open]")).to_have_count(0)
    expect(table.locator(f"tr[data-key={code}]")).to_contain_text("Quai ligne 15")
    saved = httpx.get(f"{web}{SIGNAGE}/layouts/{code}", headers=operator).json()
    assert saved["areas"] == ["content clock", "content departures", "ticker ticker"]
    assert next(r for r in saved["regions"] if r["kind"] == "departures")["lines"] == ["15"]
    screenshots.take(page, "console-layouts", docs=True)

    # A grid that cannot be drawn: the dialog says why, nothing is saved.
    table.locator(f"tr[data-key={code}] [data-action=edit]").click()
    dialog = page.locator("dialog[open]")
    dialog.get_by_label("Grille", exact=True).fill("content departures\nclock ticker")
    dialog.locator("[data-action=submit]").click()
    expect(dialog).to_contain_text("content")
    page.keyboard.press("Escape")

    # The layout chosen in the screen's form; the screen's document carries it.
    console(page, stack, f"#/signage/screens/{screen}")
    page.locator("#screen-edit").get_by_label("Disposition", exact=True).select_option(code)
    page.locator("#screen-edit [data-action=submit]").click()
    expect(page.locator(".toast").first).to_be_visible()
    document = httpx.get(f"{web}{SIGNAGE}/screens/{screen}/playlist", headers=operator).json()
    assert document["layout"]["code"] == code
    in_use = httpx.delete(f"{web}{SIGNAGE}/layouts/{code}", headers=operator)
    assert in_use.status_code == 409 and in_use.json()["type"].endswith("layout-in-use")
    httpx.delete(f"{web}{SIGNAGE}/screens/{screen}", headers=operator)
    assert httpx.delete(f"{web}{SIGNAGE}/layouts/{code}", headers=operator).status_code == 204
