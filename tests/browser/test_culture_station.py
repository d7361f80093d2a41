"""Exhibitions at the station in Chromium against the whole stack (its demo keeps a touring
exhibition without a hub: its visit on now accepted, a coming one pending): the work on a phone in
French, English and Arabic, the console's visits answered, and a player showing a visiting work
with a QR code that opens it."""

from __future__ import annotations

import io
import uuid
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from services.signage.exhibitions.demo import CODE
from testkit.stack import SAINT_DENIS, Tokens, bearer, eventually
from tests.browser.conftest import new_context
from tests.browser.support import DESKTOP, PHONE, Screenshots, assert_accessible, open_console

pytestmark = pytest.mark.e2e
SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"
WORK = f"/app/#/work/{SAINT_DENIS}/{CODE}/le-grand-hall"
OPERATOR = "operator-saint-denis-pleyel"
SPEECH_RECORDER = """
Object.defineProperty(window, "speechSynthesis", {
  value: {
    speak(utterance) { window.__spoken = { text: utterance.text, lang: utterance.lang }; },
    cancel() {},
  },
});
"""


@pytest.mark.parametrize(
    ("locale", "lang", "dir_", "title", "listen"),
    [
        ("fr-FR", "fr", "ltr", "Le grand hall", "Écouter l\u2019audiodescription"),
        ("en-GB", "en", "ltr", "The great hall", "Listen to the audio description"),
        ("ar-MA", "ar", "rtl", "القاعة الكبرى", "استمع إلى الوصف الصوتي"),
    ],
    ids=["fr", "en", "ar"],
)
def test_the_work_opens_on_a_phone_in_its_language(
    browser, web: str, page_errors, screenshots: Screenshots, locale, lang, dir_, title, listen
) -> None:
    context = new_context(browser, web, locale=locale)
    # Headless Chromium has no voice to speak with: the page's speech goes to a recorder instead.
    context.add_init_script(SPEECH_RECORDER)
    page = page_errors.watch(context.new_page())
    try:
        with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/scans")) as scan:
            page.goto(f"{WORK}?screen=hall")
            expect(page.locator("html")).to_have_attribute("lang", lang)
            expect(page.locator("html")).to_have_attribute("dir", dir_)
            expect(page.locator("#view-title")).to_have_text(title)
        assert scan.value.post_data_json == {"screen": "hall"}
        assert scan.value.response().status == 202  # public: no token through the gateway
        eventually(
            lambda: page.evaluate("() => document.querySelector('.work__image')?.naturalWidth > 0") or None,
            timeout=15,
        )
        expect(page.locator("#work-artist")).to_have_text("Awa Diallo")
        expect(page.locator("#work-listen")).to_have_text(listen)
        expect(page.locator("#work-others-list li")).to_have_count(2)
        tour = page.locator("#work-tour-list li")
        expect(tour.first).to_have_attribute("data-station", SAINT_DENIS)
        # The audio description is spoken by the browser (no recording), in the page's language.
        page.locator("#work-listen").click()
        expect(page.locator("#work-listen")).to_have_attribute("aria-pressed", "true")
        spoken = page.evaluate("window.__spoken")
        # No Arabic audio description: the French one, read in French.
        assert spoken["lang"] == ("fr" if lang == "ar" else lang), spoken
        assert spoken["text"].startswith("The great hall." if lang == "en" else "Le grand hall."), spoken
        page.locator("#work-listen").click()
        expect(page.locator("#work-listen")).to_have_attribute("aria-pressed", "false")
        assert_accessible(page)
        screenshots.take(page, f"app-work-{lang}", docs=True)
        screenshots.take(page, f"app-work-{lang}-whole", full_page=True)
        # Another work of the exhibition, from the strip.
        page.locator("#work-others-list a").first.click()
        expect(page.locator("#view-title")).not_to_have_text(title)
        assert page.viewport_size == PHONE
        assert not page_errors.unexpected(), page_errors.unexpected()
    finally:
        context.close()


def test_a_work_not_shown_here_says_so(page: Page) -> None:
    page.goto(f"/app/#/work/{SAINT_DENIS}/{CODE}/inconnue")
    expect(page.get_by_text("Cette œuvre n\u2019est plus présentée ici")).to_be_visible()


def test_the_console_lists_the_visits_and_answers_them(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, OPERATOR, "#/signage/visits", station=SAINT_DENIS)
    rows = page.locator("#visits tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Territoires en mouvement")
    expect(rows.nth(0)).to_contain_text("Acceptée")
    expect(rows.nth(1)).to_contain_text("À répondre")
    assert_accessible(page)
    screenshots.take(page, "console-visits", docs=True)
    # The coming visit: accepted on the hall screens only, then declined.
    rows.nth(1).locator("[data-action=accept]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=target_zones]").fill("hall")
    dialog.locator("button[type=submit]").click()
    expect(rows.nth(1)).to_contain_text("Acceptée")
    expect(rows.nth(1)).to_contain_text("hall")
    rows.nth(1).locator("[data-action=decline]").click()
    page.locator("dialog[open] button[data-value=true]").click()
    expect(rows.nth(1)).to_contain_text("Déclinée")
    visits = httpx.get(f"{web}{SIGNAGE}/visits", params={"when": "coming"}, headers=bearer(tokens.operator()))
    assert [v["answer"] for v in visits.json()["items"]] == ["declined"]


def test_the_player_shows_a_visiting_work_with_its_qr_code(
    browser, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    operator = bearer(tokens.operator())
    code = f"expo-{uuid.uuid4().hex[:6]}"
    # The screen's own loop is one short message, so the visit's works come round soon after it.
    message = httpx.post(
        f"{web}{SIGNAGE}/content",
        json={"kind": "message", "title": "Exposition", "texts": {"fr": "Exposition"}, "duration_seconds": 3},
        headers=operator,
    )
    assert message.status_code == 201, message.text
    loop = httpx.post(
        f"{web}{SIGNAGE}/playlists",
        json={"code": f"pl-{code}", "name": code, "items": [{"content_item_id": message.json()["id"]}]},
        headers=operator,
    )
    assert loop.status_code == 201, loop.text
    screen = {
        "playlist_id": loop.json()["id"],
        "code": code,
        "name": "Écran de l'exposition",
        "location": "Hall",
        "zone": "hall",
        "orientation": "landscape",
        "resolution": "1920x1080",
        "languages": ["fr", "en"],
    }
    assert httpx.post(f"{web}{SIGNAGE}/screens", json=screen, headers=operator).status_code == 201
    # The demo's visit plays on the hall screen; the operator adds this one.
    [visit] = httpx.get(f"{web}{SIGNAGE}/visits", params={"when": "current"}, headers=operator).json()[
        "items"
    ]
    answered = httpx.post(
        f"{web}{SIGNAGE}/visits/{CODE}/{visit['code']}/answer",
        json={"answer": "accepted", "targets": {"screens": ["hall", code]}},
        headers=operator,
    )
    assert answered.status_code == 200, answered.text
    context = new_context(browser, web, viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        page.goto("/player/")
        expect(page.locator("#pairing-code")).not_to_have_text("…")
        claimed = httpx.post(
            f"{web}/auth/devices/claim",
            json={
                "user_code": page.locator("#pairing-code").inner_text(),
                "station": SAINT_DENIS,
                "kind": "screen",
                "binding": code,
            },
            headers=operator,
        )
        assert claimed.status_code == 201, claimed.text
        expect(page.locator("html")).to_have_attribute("data-ready", "true", timeout=15000)
        qr = page.locator(".is-shown .artwork-qr img")
        # The screen's loop plays first; the visit's works join it at its end.
        eventually(
            lambda: qr.count() == 1 and qr.evaluate("img => img.naturalWidth > 0"), timeout=60, interval=0.5
        )
        eventually(
            lambda: page.evaluate("() => document.querySelector('.is-shown img')?.naturalWidth > 0") or None,
            timeout=15,
        )
        expect(page.locator("#credit")).to_contain_text("Collection Territoires en mouvement")

        def decoded() -> str | None:
            # Read from what the screen shows: again if the rotation was mid-fade when it was taken.
            shot = page.locator(".is-shown .artwork-qr").screenshot()
            texts = [barcode.text for barcode in zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))]
            return texts[0] if len(texts) == 1 else None

        link, _ = eventually(decoded, timeout=30, interval=0.5)
        assert link.startswith(f"{web}/app/#/work/{SAINT_DENIS}/{CODE}/") and link.endswith(
            f"?screen={code}"
        ), link
        screenshots.take(page, "player-artwork", docs=True)
        # The link opens the work on a phone.
        phone = new_context(browser, web).new_page()
        phone.goto(link)
        expect(phone.locator(".work__image")).to_be_visible()
        phone.context.close()
    finally:
        context.close()
