"""The operator console's shell in Chromium against the whole stack: signing in and out with a staff
password, the stations an account covers (and nothing of another station), a dashboard that
follows the station live, French and English, and accessibility."""

from __future__ import annotations

import secrets

import httpx
import pytest
from playwright.sync_api import Page, expect

from deploy.embedded.stack import StationStack
from testkit.stack import SAINT_DENIS, VILLEJUIF, bearer, eventually
from tests.browser.support import (
    CONSOLE_SESSION_KEY,
    DESKTOP,
    Screenshots,
    assert_accessible,
    demo_password,
    expire_access_token,
    open_console,
    signed_in_session,
    stored_session,
)

pytestmark = pytest.mark.e2e
SAINT_DENIS_NAME = "Saint-Denis \u2013 Pleyel"
VILLEJUIF_NAME = "Villejuif - Gustave Roussy"
OPERATOR = f"operator-{SAINT_DENIS}"


@pytest.fixture
def desktop(page: Page) -> Page:
    page.set_viewport_size(DESKTOP)
    return page


def sign_in_through_the_form(page: Page, username: str, password: str) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[data-action=sign-in]")


def test_an_operator_signs_in_sees_their_station_and_signs_out(desktop: Page, stack: StationStack) -> None:
    page = desktop
    page.goto("/console/#/")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    # Signed out, every route leads to the sign-in, which remembers where the operator was going.
    expect(page.locator("h1")).to_have_text("Console des opérateurs")
    assert page.url.endswith("#/signin?next=%2F")
    expect(page.locator("#sidenav")).to_be_hidden()

    sign_in_through_the_form(page, OPERATOR, "not the password")
    expect(page.locator(".field__error").filter(has_text="incorrect")).to_be_visible()
    assert stored_session(page, CONSOLE_SESSION_KEY) is None

    page.goto("/console/")
    sign_in_through_the_form(page, OPERATOR, demo_password(stack.demo, OPERATOR))
    # One station on the account: it is chosen without asking, and the dashboard opens on it.
    expect(page.locator("#view-title")).to_have_text(SAINT_DENIS_NAME)
    expect(page.locator("#station-label")).to_have_text(SAINT_DENIS_NAME)
    expect(page.locator("#user-name")).to_contain_text(OPERATOR)
    expect(page.locator("#sidenav a[data-section=dashboard]")).to_have_attribute("aria-current", "page")
    session = stored_session(page, CONSOLE_SESSION_KEY)
    assert session and session["refresh_token"]

    # Still signed in after a reload.
    page.reload()
    expect(page.locator("#view-title")).to_have_text(SAINT_DENIS_NAME)

    page.click("#signout-button")
    page.get_by_role("dialog").get_by_role("button", name="Se déconnecter").click()
    expect(page.locator("h1")).to_have_text("Console des opérateurs")
    assert stored_session(page, CONSOLE_SESSION_KEY) is None
    # The refresh token was revoked at the gateway, not only forgotten by the page.
    refused = httpx.post(
        f"{stack.gateway_url}/auth/token",
        data={"grant_type": "refresh_token", "refresh_token": session["refresh_token"]},
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"


def test_an_operator_of_one_station_gets_nothing_of_another(
    desktop: Page, stack: StationStack, tokens
) -> None:
    page = desktop
    open_console(page, stack.demo, OPERATOR, "#/")
    expect(page.locator("#view-title")).to_have_text(SAINT_DENIS_NAME)

    # The picker lists the account's station only.
    page.click("#station-button")
    picker = page.get_by_role("dialog")
    expect(picker.locator("[data-slug]")).to_have_count(1)
    expect(picker.locator(f"[data-slug={SAINT_DENIS}]")).to_be_visible()
    page.keyboard.press("Escape")

    # A link naming the other station shows a refusal, not the station.
    page.goto(f"/console/#/?station={VILLEJUIF}")
    expect(page.locator("#view-title")).to_have_text("Gare non autorisée")
    expect(page.locator(f"[data-station={VILLEJUIF}]")).to_be_visible()
    expect(page.get_by_text(VILLEJUIF_NAME)).to_have_count(0)
    assert (
        page.evaluate("async () => (await import('/console/console.js')).stations.currentSlug") == SAINT_DENIS
    )

    # A station chosen in storage by hand is dropped: the console falls back to the account's.
    page.evaluate(f"localStorage.setItem('gare.console.station', '{VILLEJUIF}')")
    page.goto("/console/#/")
    page.reload()
    expect(page.locator("#view-title")).to_have_text(SAINT_DENIS_NAME)

    # And the page's token reaches nothing of the other station: the services refuse it.
    token = signed_in_session(page, CONSOLE_SESSION_KEY)["access_token"]
    for path in ("signage/screens", "lockers/banks", "lockers/openings", "auth-devices", "signage/alerts"):
        url = f"{stack.gateway_url}/api/v1/stations/{VILLEJUIF}/{path}"
        if path == "auth-devices":
            url = f"{stack.gateway_url}/auth/devices?station={VILLEJUIF}"
        answer = httpx.get(url, headers=bearer(token))
        assert answer.status_code == 403, (path, answer.status_code)
        assert answer.headers["content-type"].startswith("application/problem+json")

    # Nor can it change anything there (the equipment list is public; taking a lift out is not).
    write = httpx.put(
        f"{stack.gateway_url}/api/v1/stations/{VILLEJUIF}/kiosk/equipment/lift-15-b",
        json={"status": "out_of_service", "reason": "test"},
        headers=bearer(token),
    )
    assert write.status_code == 403, write.text

    # An admin covers every station and may switch between them.
    page.click("#signout-button")
    page.get_by_role("dialog").get_by_role("button", name="Se déconnecter").click()
    open_console(page, stack.demo, "admin", "#/stations")
    expect(page.locator(".station-card")).to_have_count(2)
    page.click(f".station-card[data-slug={VILLEJUIF}]")
    expect(page.locator("#view-title")).to_have_text(VILLEJUIF_NAME)


def test_an_account_without_console_access_is_turned_away(
    desktop: Page, stack: StationStack, page_errors
) -> None:
    page = desktop
    page.goto("/console/")
    sign_in_through_the_form(page, "courier", demo_password(stack.demo, "courier"))
    expect(page.get_by_text("Ce compte n\u2019a pas accès à la console.")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Console des opérateurs")
    # Polled from here: the page's CSP forbids the eval a wait_for_function polls with.
    eventually(
        lambda: page.evaluate(f"() => localStorage.getItem('{CONSOLE_SESSION_KEY}') === null") or None,
        timeout=10,
    )


def test_the_dashboard_follows_the_station_live_in_french_and_english(
    desktop: Page, stack: StationStack, tokens, screenshots: Screenshots
) -> None:
    page = desktop
    open_console(page, stack.demo, f"operator-{VILLEJUIF}", "#/")
    expect(page.locator("#view-title")).to_have_text(VILLEJUIF_NAME)
    expect(page.locator("#health li[data-check=signage]")).to_have_attribute("data-status", "up")
    expect(page.locator("#metric-screens-online .metric__value")).to_have_text("1")
    expect(page.locator("#no-alerts")).to_be_visible()

    # An equipment outage set elsewhere reaches the open dashboard without a reload.
    kiosk = f"{stack.gateway_url}/api/v1/stations/{VILLEJUIF}/kiosk"
    operator = bearer(tokens.operator(VILLEJUIF))
    lift = "lift-15-b"
    reason = f"Maintenance {secrets.token_hex(2)}"
    changed = httpx.put(
        f"{kiosk}/equipment/{lift}", json={"status": "out_of_service", "reason": reason}, headers=operator
    )
    assert changed.status_code == 200, changed.text
    try:
        row = page.locator(f"#outages tr[data-key={lift}]")
        expect(row).to_contain_text(reason, timeout=15_000)
        screenshots.take(page, "console-dashboard", full_page=True, docs=True)
        assert_accessible(page)

        # English, in place, with the same live data.
        page.click("#language-button")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("#outages-title")).to_have_text("Equipment out of service")
        expect(page.locator("#signout-button")).to_have_text("Sign out")
        expect(row).to_contain_text(reason)
        assert_accessible(page)
    finally:
        back = httpx.put(f"{kiosk}/equipment/{lift}", json={"status": "in_service"}, headers=operator)
        assert back.status_code == 200, back.text
    expect(page.locator(f"#outages tr[data-key={lift}]")).to_have_count(0, timeout=15_000)


def test_an_ended_sign_in_asks_again_over_the_form_and_keeps_what_was_typed(
    desktop: Page, stack: StationStack, tokens
) -> None:
    page = desktop
    system_id = f"t-{secrets.token_hex(3)}"
    systems = f"{stack.gateway_url}/api/v1/stations/{SAINT_DENIS}/mobility/systems"
    # Systems are shared by every station: the network's administrator adds them.
    open_console(page, stack.demo, "admin", "#/mobility", station=SAINT_DENIS)
    page.locator("[data-action=new-system]").click()
    form = page.locator("dialog")
    form.locator("input[name=id]").fill(system_id)
    form.locator("input[name=name_fr]").fill("Trottinettes de la gare")
    form.locator("input[name=name_en]").fill("Station scooters")

    # Meanwhile the sign-in ends: its refresh token is revoked and its access token has expired.
    session = signed_in_session(page, CONSOLE_SESSION_KEY)
    revoked = httpx.post(
        f"{stack.gateway_url}/auth/revoke",
        data={"token": session["refresh_token"], "token_type_hint": "refresh_token"},
    )
    assert revoked.status_code == 200
    expire_access_token(page, CONSOLE_SESSION_KEY)
    page.evaluate(
        "async () => { (await import('/console/console.js')).session.state.expires_at = Date.now() - 1000; }"
    )
    try:
        form.locator("[data-action=submit]").click()
        # The password is asked again over the form, which stays as typed.
        again = page.locator("dialog.reauth-dialog")
        expect(again).to_be_visible()
        expect(again.locator("input[name=username]")).to_have_value("admin")
        again.locator("input[name=password]").fill(demo_password(stack.demo, "admin"))
        again.locator("[data-action=sign-in]").click()
        # ...then the save that was waiting goes through with what was typed.
        expect(page.locator(f"table.systems tr[data-key='{system_id}']")).to_contain_text(
            "Trottinettes de la gare"
        )
        saved = httpx.get(f"{systems}/{system_id}").json()
        assert saved["name"] == {"fr": "Trottinettes de la gare", "en": "Station scooters"}
        assert signed_in_session(page, CONSOLE_SESSION_KEY)["refresh_token"] != session["refresh_token"]
    finally:
        httpx.delete(f"{systems}/{system_id}", headers=bearer(tokens.admin()))


def tab_to(page: Page, selector: str, *, limit: int = 40) -> None:
    """Press Tab until the focus is on `selector` (fails when it never gets there)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            # Where the focus is can be seen: an outline or a ring (box shadow) on the element.
            style = page.evaluate(
                "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, s.boxShadow]; }"
            )
            assert style != ["none", "none"], f"{selector} has no visible focus"
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_the_console_is_used_from_the_keyboard_alone(desktop: Page, stack: StationStack) -> None:
    page = desktop
    page.goto("/console/")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    tab_to(page, "input[name=username]")
    page.keyboard.type(OPERATOR)
    page.keyboard.press("Tab")
    page.keyboard.type(demo_password(stack.demo, OPERATOR))
    page.keyboard.press("Enter")
    expect(page.locator("#view-title")).to_have_text(SAINT_DENIS_NAME)

    # On a fresh load the skip link comes first; then the bar and the side navigation.
    page.reload()
    expect(page.locator("#view-title")).to_have_text(SAINT_DENIS_NAME)
    tab_to(page, "#skip-link", limit=3)
    tab_to(page, "#sidenav a[data-section=lockers]")
    page.keyboard.press("Enter")
    expect(page.locator("#view-title")).to_be_focused()

    # An action of the view opens a dialog; Escape closes it and the focus goes back.
    tab_to(page, "[data-action=new-bank]")
    page.keyboard.press("Enter")
    dialog = page.locator("dialog")
    expect(dialog.locator("input[name=code]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.locator("[data-action=new-bank]")).to_be_focused()

    # The skip link lands in the view, past the bar and the navigation.
    page.reload()
    expect(page.locator("#view-title")).to_have_text("Consignes")
    tab_to(page, "#skip-link", limit=3)
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


def test_the_address_a_screen_shows_opens_the_pairing_form_with_its_code(
    desktop: Page, stack: StationStack
) -> None:
    page = desktop
    started = httpx.post(f"{stack.gateway_url}/auth/device_authorization", data={"scope": "signage:play"})
    assert started.status_code == 200, started.text
    device = started.json()
    open_console(page, stack.demo, OPERATOR, "#/", station=SAINT_DENIS)
    # The QR code of a player's pairing screen: the console's /pair address with the code.
    page.goto(
        device["verification_uri_complete"].replace(device["verification_uri"].split("/console/")[0], "")
    )
    expect(page.locator("#view-title")).to_be_visible()
    assert "#/signage/pair?user_code=" in page.url
    expect(page.locator("input[name=user_code]")).to_have_value(device["user_code"])
