"""The traveller app's shell in Chromium against the whole stack: signing in by SMS code through the
real gateway, staying signed in, refresh and sign-in again after expiry, problems, languages (Arabic
right to left), the station picker, accessibility, and how it looks on a phone and a kiosk."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Request, Response, expect

from testkit.stack import SAINT_DENIS, VILLEJUIF
from tests.browser.conftest import new_context
from tests.browser.support import (
    APP_SESSION_KEY,
    KIOSK,
    PHONE,
    Screenshots,
    assert_accessible,
    expire_access_token,
    new_phone_number,
    sign_in_by_phone,
    signed_in_session,
    sms_code,
    stored_session,
)

pytestmark = pytest.mark.e2e
SAINT_DENIS_NAME = "Saint-Denis \u2013 Pleyel"  # with an en dash, as the catalog writes it


def open_app(page: Page, hash_: str = "") -> Page:
    page.goto(f"/app/{hash_}")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    return page


def sign_in_through_the_form(page: Page, web: str, phone: str) -> None:
    page.fill("input[name=phone]", phone)
    page.click("button[data-action=send-code]")
    expect(page.locator(".signin")).to_have_attribute("data-step", "code")
    page.fill("input[name=code]", sms_code(web, phone))
    page.click("button[data-action=verify-code]")


def test_sign_in_by_sms_code_and_stay_signed_in_across_a_reload(page: Page, web: str) -> None:
    phone = new_phone_number()
    open_app(page, "#/account")
    expect(page.locator("h1")).to_have_text("Se connecter")

    # A number that is not one is refused in the page, before any request.
    page.fill("input[name=phone]", "12")
    page.click("button[data-action=send-code]")
    expect(page.get_by_text("Saisissez un numéro de mobile")).to_be_visible()
    expect(page.locator("input[name=phone]")).to_have_attribute("aria-invalid", "true")

    # The number as people type it: the gateway texts a code to its E.164 form.
    page.fill(
        "input[name=phone]",
        "0" + phone[3:5] + " " + phone[5:7] + " " + phone[7:9] + " " + phone[9:11] + " " + phone[11:],
    )
    page.click("button[data-action=send-code]")
    expect(page.locator(".signin")).to_have_attribute("data-step", "code")
    expect(page.get_by_role("status").filter(has_text="Code envoyé au")).to_contain_text(phone[-2:])
    code = sms_code(web, phone)

    # A wrong code is said to be wrong, and the form stays.
    page.fill("input[name=code]", "000000" if code != "000000" else "111111")
    page.click("button[data-action=verify-code]")
    expect(page.get_by_text("Ce code est incorrect ou a expiré")).to_be_visible()

    page.fill("input[name=code]", code)
    page.click("button[data-action=verify-code]")
    expect(page.locator("h1")).to_have_text("Mon compte")
    expect(page.locator("#account-phone")).to_contain_text(phone[-2:])
    expect(page.locator("#account-link")).to_have_attribute("aria-label", "Mon compte (connecté)")
    claims = page.evaluate("async () => (await import('/app/app.js')).session.claims")
    assert claims["phone_number"] == phone and claims["role"] == "traveller"

    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.locator("h1")).to_have_text("Mon compte")
    assert signed_in_session(page)["access_token"]


def test_a_view_that_needs_a_sign_in_sends_there_first_and_comes_back(page: Page, web: str) -> None:
    open_app(page)
    page.evaluate(
        """async () => {
            const { router } = await import('/app/app.js');
            router.register({ id: 'private', path: '/private', requiresAuth: true, title: 'home.title',
                              render: (ctx) => { ctx.root.append(Object.assign(document.createElement('h1'), {id: 'view-title', textContent: 'private view'})); } });
        }"""
    )
    page.goto("/app/#/private")
    expect(page.locator("h1")).to_have_text("Se connecter")
    assert "next=%2Fprivate" in page.url
    expect(page.get_by_text("Connectez-vous pour continuer.")).to_be_visible()
    sign_in_through_the_form(page, web, new_phone_number())
    expect(page.locator("h1")).to_have_text("private view")


def test_sign_out_forgets_the_tokens_and_revokes_the_sign_in(page: Page, web: str) -> None:
    open_app(page)
    sign_in_by_phone(page, web, new_phone_number())
    open_app(page, "#/account")
    refresh_token = signed_in_session(page)["refresh_token"]
    with page.expect_request(lambda r: r.url.endswith("/auth/revoke")) as revoked:
        page.click("button[data-action=sign-out]")
    expect(page.locator("h1")).to_have_text("Bonjour")
    assert stored_session(page) is None
    # The gateway always issues a refresh token with a phone sign-in; the page sends it back to revoke.
    assert refresh_token
    assert f"token={refresh_token}" in (revoked.value.post_data or "")
    # The gateway no longer refreshes that sign-in.
    answer = httpx.post(
        f"{web}/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_an_expired_access_token_is_refreshed_once_for_every_tab(
    context: BrowserContext, page: Page, web: str
) -> None:
    open_app(page)
    sign_in_by_phone(page, web, new_phone_number())
    second = context.new_page()
    open_app(page)
    open_app(second)
    before = signed_in_session(page)
    expire_access_token(page)  # the other tab hears of it (storage event); this one reloads
    open_app(page)
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    token_requests: list[str] = []

    def record_token_request(request: Request) -> None:
        if request.url.endswith("/auth/token"):
            token_requests.append(request.post_data or "")

    for p in (page, second):
        p.on("request", record_token_request)
    # Both tabs and two calls in each need a token at the same moment: one refresh serves them all.
    calls = """() => {
        window.__calls = import('/app/app.js').then(({ api }) =>
            Promise.all([api.get('/auth/sessions'), api.get('/auth/sessions')]));
    }"""
    for tab in (page, second):
        tab.evaluate(calls)
    first_result = page.evaluate("window.__calls")
    second_result = second.evaluate("window.__calls")
    assert len(first_result) == 2 and len(second_result) == 2
    assert len(token_requests) == 1 and "grant_type=refresh_token" in token_requests[0]
    after = signed_in_session(page)
    assert after["refresh_token"] != before["refresh_token"]  # rotated
    assert after["expires_at"] > before["expires_at"]
    # Still signed in after a reload, on the rotated refresh token (a reuse would have ended it).
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    assert page.evaluate("async () => (await import('/app/app.js')).session.signedIn")


def test_a_tab_that_has_not_yet_seen_a_rotation_does_not_spend_the_old_refresh_token(
    page: Page, web: str
) -> None:
    # Tabs see each other's localStorage writes late; the gateway ends a sign-in whose spent refresh
    # token comes back. Here a tab's localStorage still holds the tokens from before a rotation.
    open_app(page)
    sign_in_by_phone(page, web, new_phone_number())
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    old = signed_in_session(page)
    rotated = page.evaluate("async () => (await import('/app/app.js')).session.refresh({ rejected: 'any' })")
    assert rotated and signed_in_session(page)["refresh_token"] != old["refresh_token"]
    old["expires_at"] = 0  # and it believes its access token has expired
    page.evaluate(
        "([key, state]) => localStorage.setItem(key, JSON.stringify(state))", [APP_SESSION_KEY, old]
    )
    token_requests: list[str] = []

    def record_token_request(request: Request) -> None:
        if request.url.endswith("/auth/token"):
            token_requests.append(request.post_data or "")

    page.on("request", record_token_request)
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    sessions = page.evaluate("async () => (await import('/app/app.js')).api.get('/auth/sessions')")["items"]
    assert len(sessions) == 1  # still signed in: the rotated tokens were used, the old one never sent
    assert not any(old["refresh_token"] in body for body in token_requests)
    assert page.evaluate("async () => (await import('/app/app.js')).session.signedIn")


def test_when_the_sign_in_has_ended_a_dialog_signs_in_again_and_the_page_keeps_its_state(
    page: Page, web: str
) -> None:
    phone = new_phone_number()
    open_app(page, "#/account")
    sign_in_by_phone(page, web, phone)
    open_app(page, "#/station")
    # Something typed in the view, then the sign-in ends (revoked elsewhere, and the token expired).
    page.evaluate(
        """() => {
            const input = Object.assign(document.createElement('input'), { id: 'draft', value: 'not lost' });
            document.querySelector('.view').append(input);
        }"""
    )
    state = signed_in_session(page)
    httpx.post(f"{web}/auth/revoke", data={"token": state["refresh_token"] or state["access_token"]})
    page.evaluate(
        """key => {
            const state = JSON.parse(localStorage.getItem(key));
            state.expires_at = Date.now() - 1000;
            localStorage.setItem(key, JSON.stringify(state));
        }""",
        APP_SESSION_KEY,
    )
    page.evaluate(
        """async () => {
            const { api, session } = await import('/app/app.js');
            session.state = session.read();
            window.__call = api.get('/api/v1/stations', { auth: 'required' }).then((body) => body.items.length);
        }"""
    )
    dialog = page.locator("dialog.reauth-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("input[name=phone]")).to_have_value(phone)
    # The code of the first sign-in is still the newest in the inbox until the dialog's is sent.
    first_code = sms_code(web, phone)
    dialog.locator("button[data-action=send-code]").click()
    dialog.locator("input[name=code]").fill(sms_code(web, phone, after=first_code, timeout=20))
    dialog.locator("button[data-action=verify-code]").click()
    expect(dialog).to_have_count(0)
    # The call that met the ended sign-in went on with the new one (bounded: a call left pending
    # fails here rather than holding the run).
    assert (
        page.evaluate(
            """() => Promise.race([
                window.__call,
                new Promise((_, fail) => setTimeout(() => fail(new Error('the call never ended')), 20000)),
            ])"""
        )
        >= 2
    )
    expect(page.locator("#draft")).to_have_value("not lost")
    assert signed_in_session(page)["expires_at"] > state["expires_at"]


def test_problems_are_shown_in_the_reader_language_with_their_reference(page: Page, web: str) -> None:
    phone = new_phone_number()
    for _ in range(3):  # the gateway texts at most 3 codes per number in 10 minutes
        assert httpx.post(f"{web}/auth/otp", json={"phone_number": phone}).status_code == 202
    open_app(page, "#/account")
    page.fill("input[name=phone]", phone)
    with page.expect_response(lambda r: r.url.endswith("/auth/otp")) as answer:
        page.click("button[data-action=send-code]")
    assert answer.value.status == 429
    request_id = answer.value.request.headers["x-request-id"]
    notice = page.locator(".notice--danger")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "alert")
    expect(notice.locator(".notice__title")).to_have_text(
        "Trop de demandes. Patientez un peu avant de réessayer."
    )
    expect(notice).to_contain_text("Too many codes sent to this number")  # the API's own detail
    expect(notice).to_contain_text("Réessayez dans 600 secondes.")
    expect(notice.locator(".notice__reference")).to_contain_text(request_id)  # quoted to support
    assert answer.value.json()["request_id"] == request_id

    # An address that leads nowhere.
    open_app(page, "#/nowhere")
    expect(page.locator("h1")).to_have_text("Page introuvable")


def test_the_gateway_out_of_reach_is_said_so(context: BrowserContext, page: Page) -> None:
    open_app(page)
    context.route("**/api/v1/stations", lambda route: route.abort("connectionrefused"))
    page.evaluate("async () => { const { stations } = await import('/app/app.js'); stations.stations = []; }")
    page.click("#station-button")
    expect(page.locator(".toast--danger")).to_contain_text("Le service ne répond pas.")


def test_languages_follow_the_browser_then_the_reader_and_arabic_reads_right_to_left(
    page: Page, browser, web: str, screenshots: Screenshots
) -> None:
    open_app(page)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "fr")
    expect(html).to_have_attribute("dir", "ltr")

    page.click("#language-button")
    page.click("button[data-locale=ar]")
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text("مرحبًا")
    # The layout mirrors: the first tab (home) is now on the right, the brand at the right edge.
    home_tab = page.locator(".tabbar__link[data-view=home]").bounding_box()
    station_tab = page.locator(".tabbar__link[data-view=station]").bounding_box()
    assert home_tab and station_tab and home_tab["x"] > station_tab["x"]
    brand = page.locator("#brand").bounding_box()
    assert brand and brand["x"] > PHONE["width"] / 2
    # Dates are Arabic, in Paris time.
    expect(page.locator(".hero__date")).not_to_have_text(re.compile(r"[A-Za-z]"))
    screenshots.take(page, "home-arabic-phone")

    # The choice is kept for the next visit.
    page.reload()
    expect(html).to_have_attribute("dir", "rtl")
    page.goto("/app/#/account")
    page.locator("input[name=language][value=en]").check()
    expect(html).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sign in")

    # A new visitor: the browser's languages decide (en-GB -> en; Spanish, not translated -> French).
    for browser_locale, expected in (("en-GB", "en"), ("es-ES", "fr"), ("ar-MA", "ar")):
        other = new_context(browser, web, locale=browser_locale)
        visitor = other.new_page()
        open_app(visitor)
        expect(visitor.locator("html")).to_have_attribute("lang", expected)
        other.close()


def test_the_station_picker_finds_stations_by_name_or_position_and_remembers_the_choice(
    context: BrowserContext, page: Page
) -> None:
    open_app(page)
    expect(page.locator("#station-label")).to_have_text("Choisir une gare")
    page.click("#station-button")
    dialog = page.get_by_role("dialog", name="Choisir une gare")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#station-search")).to_be_focused()
    expect(dialog.locator("button[data-slug]")).to_have_count(2)

    # Accents, case and dashes do not matter.
    dialog.locator("#station-search").fill("gustave roussy")
    expect(dialog.locator("button[data-slug]")).to_have_count(1)
    dialog.locator("#station-search").fill("SAINT DENIS PLEYEL")
    expect(dialog.locator("button[data-slug]")).to_have_count(1)
    dialog.locator("#station-search").fill("zzz")
    expect(dialog).to_contain_text("Aucune gare ne correspond.")

    # Near me: a traveller standing in Villejuif gets Villejuif first, with the distance.
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": 48.7935, "longitude": 2.3500})
    dialog.locator("#station-search").fill("")
    dialog.get_by_role("button", name="Près de moi").click()
    expect(dialog.locator("button[data-slug]").first).to_have_attribute("data-slug", VILLEJUIF)
    expect(dialog.locator("button[data-slug]").first).to_contain_text("à ")
    dialog.locator(f"button[data-slug={SAINT_DENIS}]").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#station-label")).to_have_text(SAINT_DENIS_NAME)
    expect(page.locator("#home-station")).to_have_text(SAINT_DENIS_NAME)
    expect(page.locator("#station-button")).to_be_focused()  # focus returns where it was

    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    expect(page.locator("#station-label")).to_have_text(SAINT_DENIS_NAME)

    # A link naming the station (from a kiosk's QR code or an SMS) selects it; an unknown one is ignored.
    open_app(page, f"#/station?station={VILLEJUIF}")
    expect(page.locator("h1")).to_have_text("Villejuif - Gustave Roussy")
    open_app(page, "#/station?station=no-such-station")
    expect(page.locator("h1")).to_have_text("Villejuif - Gustave Roussy")


def test_the_example_view_keeps_its_station_current_with_conditional_requests(page: Page) -> None:
    statuses: list[int] = []

    def record_status(response: Response) -> None:
        if f"/api/v1/stations/{SAINT_DENIS}" in response.url:
            statuses.append(response.status)

    page.on("response", record_status)
    with page.expect_response(lambda r: r.url.endswith(f"/api/v1/stations/{SAINT_DENIS}")):
        open_app(page, f"#/station?station={SAINT_DENIS}")  # the view's first poll
    expect(page.locator("h1")).to_have_text(SAINT_DENIS_NAME)
    expect(page.get_by_role("list", name="Services de la gare").locator("li")).to_have_count(4)
    page.evaluate(
        f"""async () => {{
            const {{ api }} = await import('/app/app.js');
            await api.conditionalGet('/api/v1/stations/{SAINT_DENIS}', {{ auth: 'none' }});
        }}"""
    )
    assert statuses[:1] == [200] and statuses[-1] == 304


@pytest.mark.parametrize(
    "where", ["home", "account", "station", "picker", "arabic", "high-contrast", "kiosk"]
)
def test_the_shell_passes_axe_core(browser, web: str, where: str, page_errors) -> None:
    viewport = KIOSK if where == "kiosk" else PHONE
    ctx = new_context(browser, web, viewport=viewport)
    page = page_errors.watch(ctx.new_page())
    try:
        page.goto("/app/")
        expect(page.locator("html")).to_have_attribute("data-ready", "true")
        page.evaluate(f"localStorage.setItem('gare.station', '{SAINT_DENIS}')")
        target = {"account": "#/account", "station": "#/station"}.get(where, "")
        if where == "arabic":
            page.evaluate("localStorage.setItem('gare.locale', 'ar')")
        if where == "high-contrast":
            page.evaluate(
                "localStorage.setItem('gare.display', JSON.stringify({text: 'large', contrast: 'high'}))"
            )
        page.goto(f"/app/{target}")
        page.reload()
        expect(page.locator("html")).to_have_attribute("data-ready", "true")
        if where == "picker":
            page.click("#station-button")
            expect(page.get_by_role("dialog")).to_be_visible()
        assert_accessible(page)
    finally:
        ctx.close()
    assert not page_errors.unexpected(), page_errors.unexpected()


def test_it_looks_right_on_a_phone_and_on_a_kiosk(
    browser, web: str, screenshots: Screenshots, page_errors
) -> None:
    for name, viewport in (("phone", PHONE), ("kiosk", KIOSK)):
        ctx = new_context(browser, web, viewport=viewport, device_scale_factor=1)
        page = page_errors.watch(ctx.new_page())
        open_app(page)
        page.evaluate(f"localStorage.setItem('gare.station', '{SAINT_DENIS}')")
        open_app(page)
        page.reload()
        expect(page.locator("#home-station")).to_have_text(SAINT_DENIS_NAME)
        # Nothing sticks out sideways, and every control is at least 44 px square.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        small = page.evaluate(
            """() => [...document.querySelectorAll('button, a[href], input, select')]
                .filter((e) => e.offsetParent !== null && !e.classList.contains('skip-link'))
                .map((e) => [e.id || e.className || e.tagName, e.getBoundingClientRect()])
                .filter(([, r]) => r.width < 44 || r.height < 44)
                .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
        )
        assert not small, small
        screenshots.take(page, f"app-home-{name}", docs=True)
        open_app(page, "#/account")
        screenshots.take(page, f"app-sign-in-{name}", docs=name == "phone")
        ctx.close()
    assert not page_errors.unexpected(), page_errors.unexpected()
