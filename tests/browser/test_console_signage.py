"""The console's signage section in Chromium against the whole stack: an emergency message raised
after its confirmation and acknowledged by the demo hall screen's simulated player, a playlist put
together from the library, a screen paired by the code its player shows, an image uploaded and
previewed, and the week view of schedules; accessibility checked on each page."""

from __future__ import annotations

import io
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from testkit.auth import authorize_device, poll
from testkit.stack import SAINT_DENIS, Tokens, bearer, eventually
from tests.browser.support import DESKTOP, Screenshots, assert_accessible, open_console

pytestmark = pytest.mark.e2e

OPERATOR = "operator-saint-denis-pleyel"
SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"


def console(page: Page, stack: Any, route: str) -> None:
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, OPERATOR, route, station=SAINT_DENIS)
    expect(page.locator("#view-title")).to_be_visible()


def confirm(page: Page) -> None:
    page.locator("dialog[open] button[data-value=true]").click()
    expect(page.locator("dialog[open]")).to_have_count(0)


def api(web: str, tokens: Tokens, method: str, path: str, **options: Any) -> httpx.Response:
    return httpx.request(method, f"{web}{SIGNAGE}{path}", headers=bearer(tokens.operator()), **options)


def content_id(web: str, tokens: Tokens, title: str) -> str:
    items = api(web, tokens, "GET", "/content", params={"limit": 200}).json()["items"]
    return next(item["id"] for item in items if item["title"] == title)


def device_status(web: str, tokens: Tokens, client_id: str) -> str:
    return httpx.get(f"{web}/auth/devices/{client_id}", headers=bearer(tokens.operator())).json()["status"]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 36), (secrets.randbelow(256), 120, 200)).save(out, format="PNG")
    return out.getvalue()


def test_an_alert_is_confirmed_acknowledged_by_the_hall_screen_and_cleared(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    text = f"Évacuation du quai {secrets.token_hex(2)}"
    console(page, stack, "#/signage/alerts")
    raising = page.locator("form[data-form=alert]")
    raising.locator("[name=text_fr]").fill(text)
    raising.locator("[name=text_en]").fill("Please leave the platform")
    raising.locator("[name=reach]").select_option("some")
    raising.locator("input[name=target_screens][value=hall]").check()
    raising.locator("[data-action=submit]").click()

    # The confirmation says how many screens the message reaches before anything is raised.
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text("1")
    expect(dialog).to_contain_text("hall")
    assert_accessible(page)
    screenshots.take(page, "console-signage-alert-confirm")
    confirm(page)

    alerts = api(web, tokens, "GET", "/alerts", params={"active": "true"}).json()["items"]
    alert = next(a for a in alerts if a["texts"]["fr"] == text)
    assert alert["targets"]["screens"] == ["hall"]
    expect(page.locator(f"#active-alerts li[data-alert='{alert['id']}']")).to_be_visible()

    # The simulated hall player shows it and acknowledges: the dashboard says every screen has it.
    page.goto("/console/#/")
    shown = page.locator(f"#alerts li[data-alert='{alert['id']}']")
    expect(shown).to_have_attribute("data-waiting", "0", timeout=20_000)
    expect(shown.locator(".ack-all")).to_be_visible()

    page.goto("/console/#/signage/alerts")
    item = page.locator(f"#active-alerts li[data-alert='{alert['id']}']")
    expect(item.locator("[data-acked=hall]")).to_be_visible()
    item.locator("[data-action=clear]").click()
    confirm(page)
    expect(item).to_have_count(0)
    assert api(web, tokens, "GET", f"/alerts/{alert['id']}").json()["cleared_at"] is not None


def test_a_playlist_is_built_from_the_library_reordered_saved_and_deleted(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    code = f"t-{secrets.token_hex(3)}"
    welcome, clock = content_id(web, tokens, "Bienvenue"), content_id(web, tokens, "Horloge")
    console(page, stack, "#/signage/playlists")
    page.locator("[data-action=create-playlist]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=code]").fill(code)
    dialog.locator("[name=name]").fill("Essai de playlist")
    dialog.locator("[data-action=submit]").click()
    expect(page.locator("#view-title")).to_have_text("Essai de playlist")

    picker = page.locator("#playlist-add-content")
    for item in (welcome, clock):
        picker.select_option(item)
        page.locator("[data-action=add]").click()
    items = page.locator(".playlist-item")
    expect(items).to_have_count(2)
    page.locator("#item-0-duration").fill("8")
    items.nth(1).locator("[data-action=up]").click()
    expect(items.nth(0)).to_have_attribute("data-content", clock)
    page.locator("#item-0-transition").select_option("slide")
    screenshots.take(page, "console-signage-playlist")
    page.locator("form[data-form=playlist] [data-action=submit]").click()
    expect(page.locator("#playlist-unsaved")).to_have_text("")

    saved = api(web, tokens, "GET", "/playlists", params={"limit": 200}).json()["items"]
    entries = next(p for p in saved if p["code"] == code)["items"]
    assert [(e["content_item_id"], e["duration_seconds"], e["transition"]) for e in entries] == [
        (clock, None, "slide"),
        (welcome, 8, "fade"),
    ]

    page.locator("[data-action=delete-playlist]").click()
    confirm(page)
    expect(page.locator("#view-title")).to_have_text("Playlists")
    assert api(web, tokens, "GET", f"/playlists/{code}").status_code == 404


def test_a_new_screen_is_paired_by_its_code_then_unpaired_and_deleted(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    code = f"t-{secrets.token_hex(3)}"
    console(page, stack, "#/signage/screens")
    expect(page.locator("#screens tr[data-key=hall]")).to_be_visible()
    assert_accessible(page)
    screenshots.take(page, "console-signage-screens")

    page.locator("[data-action=create-screen]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=code]").fill(code)
    dialog.locator("[name=name]").fill("Écran d'essai")
    dialog.locator("[name=location]").fill("Quai 3")
    dialog.locator("[data-action=submit]").click()
    expect(page.locator("#view-title")).to_have_text("Écran d'essai")

    started = authorize_device(web, scope="signage:play")
    typed = started["user_code"].replace("-", "").lower()  # any case, no dash: the page takes it
    page.goto(f"/console/#/signage/pair?user_code={typed}")
    pairing = page.locator("#pair form")
    expect(pairing.locator("[name=user_code]")).to_have_value(typed)
    pairing.locator("[name=screen]").select_option(code)
    pairing.locator("[name=label]").fill("Quai 3, côté sortie")
    assert_accessible(page)
    screenshots.take(page, "console-signage-pair")
    pairing.locator("[data-action=submit]").click()
    paired = page.locator("#pair-outcome [data-client]")
    expect(paired).to_be_visible()
    client_id = paired.get_attribute("data-client") or ""

    time.sleep(started["interval"])  # RFC 8628: the device waits `interval` between polls
    grant = poll(web, started["device_code"])
    assert grant.status_code == 200, grant.text
    assert grant.json()["device_binding"] == code

    # A second device for the same screen: the page offers to replace the first one, which goes.
    second = authorize_device(web, scope="signage:play")
    pairing.locator("[name=user_code]").fill(second["user_code"])
    pairing.locator("[name=screen]").select_option(code)
    pairing.locator("[data-action=submit]").click()
    page.locator("#pair-replace [data-action=replace]").click()
    expect(paired).not_to_have_attribute("data-client", client_id)
    replaced, client_id = client_id, paired.get_attribute("data-client") or ""
    assert device_status(web, tokens, replaced) != "active"

    page.goto(f"/console/#/signage/screens/{code}")
    device = page.locator(f"#devices tr[data-key='{client_id}']")
    device.locator("[data-action=unpair]").click()
    confirm(page)
    expect(device).to_have_count(0)
    assert device_status(web, tokens, client_id) != "active"

    page.locator("[data-action=delete-screen]").click()
    confirm(page)
    expect(page.locator("#view-title")).to_have_text("Écrans")
    assert api(web, tokens, "GET", f"/screens/{code}").status_code == 404


def test_a_code_refused_in_the_page_is_refused_to_the_device(page: Page, stack: Any, web: str) -> None:
    started = authorize_device(web, scope="signage:play")
    console(page, stack, f"#/signage/pair?user_code={started['user_code']}")
    page.locator("[data-action=refuse]").click()
    confirm(page)
    expect(page.locator("#pair-outcome")).to_contain_text(started["user_code"])
    time.sleep(started["interval"])
    refused = poll(web, started["device_code"])
    assert refused.status_code == 400 and refused.json()["error"] == "access_denied", refused.text


def test_an_uploaded_image_shows_its_preview_in_the_library(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    title = f"Affiche {secrets.token_hex(3)}"
    console(page, stack, "#/signage/content")
    expect(page.locator("#content-list img").first).to_be_visible()
    assert_accessible(page)
    screenshots.take(page, "console-signage-content")

    page.locator("[data-action=upload]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=file]").set_input_files(
        {"name": "affiche.png", "mimeType": "image/png", "buffer": png()}
    )
    dialog.locator("[name=title]").fill(title)
    dialog.locator("[data-action=submit]").click()
    expect(dialog).to_have_count(0)

    created = content_id(web, tokens, title)
    try:
        page.goto("/console/#/signage/content?kind=image")
        thumb = page.locator(f"#content-list tr[data-key='{created}'] img")
        expect(thumb).to_be_visible()
        expect(thumb).to_have_attribute("alt", title)
        eventually(lambda: thumb.evaluate("img => img.complete && img.naturalWidth > 0") or None, timeout=15)
    finally:
        api(web, tokens, "DELETE", f"/content/{created}")


def test_the_week_view_shows_the_exhibition_and_a_night_schedule_made_in_the_page(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    code = f"t-{secrets.token_hex(3)}"
    console(page, stack, "#/signage/schedules")
    blocks = page.locator("#week-view [data-schedule=expo-en-journee]")
    expect(blocks).to_have_count(7)
    expect(blocks.first).to_contain_text("09:00\u201321:00")  # an en dash between the times

    # Friday night 22:00 to 02:00: a block on Friday and its end on Saturday morning.
    page.locator("[data-action=create-schedule]").click()
    dialog = page.locator("dialog[open]")
    dialog.locator("[name=code]").fill(code)
    dialog.locator("[name=name]").fill("Nuit du vendredi")
    dialog.locator("[name=playlist_id]").select_option(label="Exposition : lignes et lumières (expo-lignes)")
    for day in ("0", "1", "2", "3", "5", "6"):
        dialog.locator(f"input[name=weekdays][value='{day}']").uncheck()
    dialog.locator("[name=start_time]").fill("22:00")
    dialog.locator("[name=end_time]").fill("02:00")
    dialog.locator("[name=target_tags]").fill("expo, nuit")
    dialog.locator("[data-action=submit]").click()
    expect(dialog).to_have_count(0)
    night = page.locator(f"#week-view [data-schedule='{code}']")
    expect(night).to_have_count(2)
    expect(page.locator(f"#week-view [data-day='4'] [data-schedule='{code}']")).to_contain_text(
        "22:00\u201324:00"
    )
    expect(page.locator(f"#week-view [data-day='5'] [data-schedule='{code}']")).to_contain_text(
        "00:00\u201302:00"
    )
    saved = api(web, tokens, "GET", f"/schedules/{code}").json()
    assert (saved["weekdays"], saved["targets"]["tags"]) == ([4], ["expo", "nuit"])
    assert_accessible(page)
    page.evaluate("document.querySelectorAll('.toast').forEach((toast) => toast.remove())")  # the picture
    screenshots.take(page, "console-signage-schedules", docs=True)

    page.locator(f"#schedules tr[data-key='{code}'] [data-action=delete]").click()
    confirm(page)
    expect(night).to_have_count(0)
    assert api(web, tokens, "GET", f"/schedules/{code}").status_code == 404


def test_proof_of_play_counts_what_the_hall_screen_reported(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    welcome = content_id(web, tokens, "Bienvenue")
    today = datetime.now(UTC).date()
    days = {
        "since": str(today - timedelta(days=2)),
        "until": str(today + timedelta(days=1)),
        "screen": "hall",
    }
    before = api(web, tokens, "GET", "/plays/report", params=days)
    counted = sum(row["plays"] for row in before.json()["items"] if row["content_item_id"] == welcome)
    # The hall's player reports three plays of the welcome message (one of them sent twice).
    started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    plays = [
        {
            "play_id": f"t-{secrets.token_hex(4)}",
            "content_item_id": welcome,
            "started_at": started,
            "duration_seconds": 12,
        }
        for _ in range(3)
    ]
    screen = bearer(tokens.device("screen"))
    for batch in (plays, plays[:1]):
        sent = httpx.post(f"{web}{SIGNAGE}/screens/hall/plays", json={"plays": batch}, headers=screen)
        assert sent.status_code == 200, sent.text

    console(page, stack, "#/signage/plays")
    expect(page.locator("#view-title")).to_have_text("Preuves de diffusion")
    page.locator("#plays-filters select[name=screen]").select_option("hall")
    page.locator("#plays-filters [data-action=submit]").click()
    assert "screen=hall" in page.url
    row = page.locator("#plays tbody tr").filter(has_text="Bienvenue")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text(str(counted + 3))
    screenshots.take(page, "console-signage-plays")
    assert_accessible(page)
