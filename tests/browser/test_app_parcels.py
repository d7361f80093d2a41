"""The traveller app's parcels view in Chromium against the whole stack: a parcel deposited by a
courier shows up for its recipient signed in by SMS code, the QR code appears, and the open button
goes through opening, open, then closed when the simulated controller reports the door shut."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from deploy.embedded.stack import StationStack
from testkit.stack import SAINT_DENIS, Tokens, bearer
from tests.browser.support import Screenshots, assert_accessible, new_phone_number, sign_in_by_phone
from tests.test_lockers_flows import BASE, answering_controller, deposit, wait_status

pytestmark = pytest.mark.e2e


def open_parcels(page: Page, web: str, phone: str) -> None:
    page.goto(f"/app/#/?station={SAINT_DENIS}")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    sign_in_by_phone(page, web, phone)
    page.goto(f"/app/#/parcels?station={SAINT_DENIS}")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")


@pytest.fixture
def controller(stack: StationStack) -> str:
    return answering_controller(stack)


def test_my_parcel_opens_from_the_phone_and_shows_the_door_states(
    page: Page,
    web: str,
    tokens: Tokens,
    controller: str,
    screenshots: Screenshots,
) -> None:
    phone = new_phone_number()
    parcel = deposit(web, tokens.courier(), phone, f"WEB-{phone[-6:]}")
    wait_status(web, tokens.operator(), parcel["id"], "ready")

    open_parcels(page, web, phone)
    card = page.locator(f"[data-parcel='{parcel['id']}']")
    expect(card).to_have_attribute("data-status", "ready")
    expect(card).to_contain_text(parcel["compartment"])

    card.locator("[data-action=qr]").click()
    expect(card.locator(".parcel__qr img")).to_be_visible()
    assert card.locator(".parcel__qr img").evaluate("img => img.naturalWidth > 0")
    assert_accessible(page)
    screenshots.take(page, "app-parcels-ready", docs=True)

    # The traveller reads the code off the bank's screen (here through an operator's read of it).
    screen = httpx.get(f"{web}{BASE}/banks/A/presence-code", headers=bearer(tokens.operator()))
    card.locator("[data-field=presence-code]").fill(screen.json()["code"])
    card.locator("[data-action=open]").click()
    door = card.locator(".parcel__door")
    expect(door).to_have_attribute("data-state", "open")
    expect(door).to_contain_text(parcel["compartment"])
    expect(card.locator("[data-action=open]")).to_be_disabled()
    # The simulated door closes a second later; the page follows the parcel until it is collected.
    expect(door).to_have_attribute("data-state", "closed", timeout=15_000)
    expect(page.locator(f"[data-parcel='{parcel['id']}']")).to_have_attribute(
        "data-status", "collected", timeout=10_000
    )


def test_a_locker_that_does_not_answer_says_try_the_code(
    page: Page, web: str, tokens: Tokens, controller: str
) -> None:
    phone = new_phone_number()
    parcel = deposit(web, tokens.courier(), phone, f"WEB-{phone[-6:]}")
    wait_status(web, tokens.operator(), parcel["id"], "ready")
    open_parcels(page, web, phone)
    # The controller's answer is lost on the way: the page says what to do instead.
    page.route(
        "**/open",
        lambda route: route.fulfill(
            status=504,
            content_type="application/problem+json",
            body='{"type":"/problems/controller-timeout","title":"Gateway Timeout","status":504,"detail":"no answer"}',
        ),
    )
    card = page.locator(f"[data-parcel='{parcel['id']}']")
    card.locator("[data-field=presence-code]").fill("123456")
    card.locator("[data-action=open]").click()
    expect(card.locator(".parcel__door")).to_have_attribute("data-state", "failed")
    expect(card.locator(".parcel__door")).to_contain_text("clavier")
