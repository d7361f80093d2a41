"""The console's lockers section in Chromium against the whole stack: a compartment taken out of
service with a reason and put back through the page (the dashboard and the API agree), a parcel
found by status, bank and reference and opened with its history, and the door-opening audit."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from deploy.embedded.stack import StationStack
from testkit.auth import phone_sign_in
from testkit.stack import SAINT_DENIS, Tokens, bearer
from tests.browser.support import DESKTOP, Screenshots, assert_accessible, open_console
from tests.test_lockers_flows import BASE, answering_controller, deposit, new_phone, wait_status

pytestmark = pytest.mark.e2e
OPERATOR = "operator-saint-denis-pleyel"


def console(page: Page, stack: StationStack, route: str) -> None:
    """The console on a desktop, signed in as Saint-Denis' operator, on `route`."""
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, OPERATOR, route, station=SAINT_DENIS)


def banks(web: str, tokens: Tokens) -> list[dict[str, Any]]:
    response = httpx.get(f"{web}{BASE}/banks", params={"limit": 200}, headers=bearer(tokens.operator()))
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def compartment(web: str, tokens: Tokens, code: str, label: str) -> dict[str, Any]:
    bank = next(b for b in banks(web, tokens) if b["code"] == code)
    return next(c for c in bank["compartments"] if c["label"] == label)


@pytest.fixture(scope="module")
def collected(stack: StationStack) -> Iterator[dict[str, Any]]:
    """A parcel of bank A deposited by a courier and collected by its recipient: its doors opened
    twice, and the bank is left as it was."""
    tokens = Tokens(stack)
    web = stack.gateway_url
    answering_controller(stack)
    phone = new_phone()
    parcel = deposit(web, tokens.courier(), phone, f"CONSOLE-{secrets.token_hex(4).upper()}")
    wait_status(web, tokens.operator(), parcel["id"], "ready")
    traveller = phone_sign_in(web, phone)["access_token"]
    code = httpx.get(f"{web}{BASE}/banks/A/presence-code", headers=bearer(tokens.operator())).json()["code"]
    opened = httpx.post(
        f"{web}{BASE}/parcels/{parcel['id']}/open",
        json={"presence_code": code},
        headers=bearer(traveller),
        timeout=10,
    )
    assert opened.status_code == 200, opened.text
    wait_status(web, tokens.operator(), parcel["id"], "collected")
    yield parcel


def test_a_compartment_goes_out_of_service_with_a_reason_and_back(
    page: Page, stack: StationStack, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    bank = next(b for b in banks(web, tokens) if b["code"] == "A")
    label = [c["label"] for c in bank["compartments"] if c["state"] == "free"][-1]
    out_before = sum(c["state"] == "out_of_service" for b in banks(web, tokens) for c in b["compartments"])
    reason = f"Serrure à changer {secrets.token_hex(2)}"

    console(page, stack, "#/lockers")
    expect(page.locator("#view-title")).to_have_text("Consignes")
    expect(page.locator("[data-key=A]")).to_contain_text("Hall principal")
    assert_accessible(page)
    page.locator("[data-key=A] a").click()
    row = page.locator(f"table.compartments tr[data-key={label}]")
    expect(row.locator("[data-compartment-state=free]")).to_be_visible()
    assert_accessible(page)
    screenshots.take(page, "console-lockers-bank", docs=True)

    try:
        row.locator("[data-action=out-of-service]").click()
        dialog = page.locator("dialog")
        dialog.locator("textarea[name=reason]").fill(reason)
        assert_accessible(page)
        dialog.locator("[data-action=submit]").click()
        expect(row.locator("[data-compartment-state=out_of_service]")).to_be_visible()
        expect(row).to_contain_text(reason)
        state = compartment(web, tokens, "A", label)
        assert (state["state"], state["out_of_service_reason"]) == ("out_of_service", reason)

        # The dashboard counts it and lists it.
        page.goto("/console/#/")
        expect(page.locator("#metric-lockers-out .metric__value")).to_have_text(str(out_before + 1))
        expect(page.locator(f"#lockers tr[data-key=A-{label}]")).to_contain_text(reason)

        page.goto("/console/#/lockers/banks/A")
        row.locator("[data-action=in-service]").click()
        page.locator("dialog [data-value=true]").click()
        expect(row.locator("[data-compartment-state=free]")).to_be_visible()
        assert compartment(web, tokens, "A", label)["state"] == "free"
    finally:
        httpx.put(
            f"{web}{BASE}/banks/{bank['id']}/compartments/{label}/service-state",
            json={"in_service": True},
            headers=bearer(tokens.operator()),
        )


def test_a_parcel_is_found_by_status_bank_and_reference_and_shows_its_history(
    page: Page, stack: StationStack, collected: dict[str, Any]
) -> None:
    console(page, stack, "#/lockers/parcels")
    expect(page.locator("#view-title")).to_have_text("Colis")
    page.select_option("#filter-status", "collected")
    page.select_option("#filter-bank", "A")
    page.fill("#filter-q", collected["carrier_reference"][:12])
    page.locator("form.filters [type=submit]").click()
    row = page.locator(f"tr[data-key='{collected['id']}']")
    expect(row).to_contain_text(collected["carrier_reference"])
    expect(row.locator("[data-status=collected]")).to_be_visible()
    assert "status=collected" in page.url and "bank=A" in page.url
    assert_accessible(page)

    row.locator("a").click()
    expect(page.locator("#view-title")).to_have_text(f"Colis {collected['carrier_reference']}")
    history = page.locator("#history tbody tr")
    expect(history).to_have_count(4)  # announced, deposited, ready, collected
    expect(history.last).to_contain_text("Retiré")
    assert_accessible(page)


def test_the_door_opening_audit_lists_who_opened_how_and_why(
    page: Page, stack: StationStack, collected: dict[str, Any]
) -> None:
    console(page, stack, "#/lockers/openings?bank=A")
    expect(page.locator("#view-title")).to_have_text("Ouvertures de portes")
    rows = page.locator(f"#openings tbody tr:has(a[href$='{collected['id']}'])")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Dépôt")).to_contain_text("Livreur")
    expect(rows.filter(has_text="Retrait")).to_contain_text("Application")
    expect(rows.first).to_contain_text(collected["compartment"])
    assert_accessible(page)
