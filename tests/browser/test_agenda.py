"""The station's agenda in Chromium against the whole stack: "What's on" in the app's station view on a
phone (texts in the reader's language, a cancelled event marked, the calendar links), and the
console's agenda page (an event created, refused with its field named, cancelled, its welcome shown,
deleted); accessibility checked on each."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from testkit.stack import SAINT_DENIS, Tokens, bearer
from tests.browser.support import DESKTOP, KIOSK, Screenshots, assert_accessible, open_console

pytestmark = pytest.mark.e2e

SIGNAGE = f"/api/v1/stations/{SAINT_DENIS}/signage"
OPERATOR = "operator-saint-denis-pleyel"


def api(web: str, tokens: Tokens, method: str, path: str, **options: Any) -> httpx.Response:
    return httpx.request(method, f"{web}{SIGNAGE}{path}", headers=bearer(tokens.operator()), **options)


def soon(days: float, hour: int) -> str:
    day = (datetime.now(UTC) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=UTC).isoformat()


@pytest.fixture
def events(web: str, tokens: Tokens) -> Iterator[dict[str, str]]:
    """Three coming events (one cancelled, one over whole days), taken off the agenda afterwards."""
    key = uuid.uuid4().hex[:6]
    bodies: list[dict[str, Any]] = [
        {
            "code": f"jazz-{key}",
            "kind": "concert",
            "title": {"fr": "Jazz sur le parvis", "en": "Jazz on the forecourt"},
            "description": {"fr": "Le quartet du conservatoire de Saint-Denis, entrée libre."},
            "starts_at": soon(1, 17),
            "ends_at": soon(1, 19),
            "place": {"name": "Parvis nord", "lat": 48.9189, "lon": 2.3431},
        },
        {
            "code": f"danse-{key}",
            "kind": "performance",
            "title": {"fr": "Danse hip-hop", "en": "Hip-hop dance"},
            "starts_at": soon(2, 15),
            "ends_at": soon(2, 16),
            "status": "cancelled",
            "place": {"name": "Hall, mezzanine"},
        },
        {
            "code": f"salon-{key}",
            "kind": "fair",
            "title": {"fr": "Salon de l'innovation"},
            "starts_at": soon(3, 9),
            "ends_at": soon(5, 9),
            "all_day": True,
            "place": {"name": "Parc des Expositions"},
        },
    ]
    for body in bodies:
        made = api(web, tokens, "POST", "/agenda", json=body)
        assert made.status_code == 201, made.text
    yield {body["kind"]: body["code"] for body in bodies}
    for body in bodies:
        api(web, tokens, "DELETE", f"/agenda/{body['code']}")


def open_station(page: Page, language: str) -> None:
    page.goto("/app/")
    expect(page.locator("html")).to_have_attribute("data-ready", "true")
    page.evaluate(
        "([slug, language]) => { localStorage.setItem('gare.station', slug); localStorage.setItem('gare.locale', language); }",
        [SAINT_DENIS, language],
    )
    page.goto("/app/#/station")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-ready", "true")


def test_whats_on_lists_the_coming_events_on_a_phone_with_the_calendar_links(
    page: Page, web: str, events: dict[str, str], screenshots: Screenshots
) -> None:
    open_station(page, "fr")
    agenda = page.locator("#agenda-list")
    jazz = agenda.locator("li", has_text="Jazz sur le parvis")
    expect(jazz).to_contain_text("Parvis nord")
    expect(jazz).to_contain_text("Concert")
    expect(agenda.locator("li", has_text="Danse hip-hop")).to_contain_text("Annulé")
    expect(agenda.locator("li", has_text="Salon de l'innovation")).to_contain_text("Salon")
    # Soonest first.
    titles = agenda.locator(".list__title").all_inner_texts()
    assert (
        titles.index("Jazz sur le parvis")
        < titles.index("Danse hip-hop")
        < titles.index("Salon de l'innovation")
    )

    subscribe = page.locator("#agenda-subscribe").get_attribute("href") or ""
    assert subscribe.startswith("webcal://") and subscribe.endswith(f"{SIGNAGE}/agenda/calendar.ics?lang=fr")
    download = page.locator("#agenda-download").get_attribute("href") or ""
    feed = httpx.get(download)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(feed.content).walk("VEVENT")}
    assert {"Jazz sur le parvis", "Danse hip-hop", "Salon de l'innovation"} <= summaries

    # No horizontal scroll on a phone, and the section is accessible.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    # The section starts below the fold, under the tab bar: the picture is of it, under the header.
    page.evaluate(
        "() => window.scrollTo(0, document.getElementById('station-agenda').getBoundingClientRect().top + window.scrollY - 72)"
    )
    screenshots.take(page, "app-agenda-phone", docs=True)

    open_station(page, "en")
    expect(page.locator("#agenda-list")).to_contain_text("Jazz on the forecourt")
    expect(page.locator("#agenda-list")).to_contain_text("Cancelled")
    # No English title: the French one.
    expect(page.locator("#agenda-list")).to_contain_text("Salon de l'innovation")
    assert (page.locator("#agenda-subscribe").get_attribute("href") or "").endswith("?lang=en")


def local(moment: datetime) -> str:
    """A datetime-local value in Paris time (the console reads what is typed as the station's time)."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Europe/Paris")).strftime("%Y-%m-%dT%H:%M")


def test_operators_keep_the_agenda_and_see_the_welcome_it_sets(
    page: Page, stack: Any, web: str, tokens: Tokens, screenshots: Screenshots
) -> None:
    code = f"salon-{uuid.uuid4().hex[:6]}"
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, OPERATOR, "#/signage/agenda", station=SAINT_DENIS)
    expect(page.locator("#view-title")).to_have_text("Agenda")
    expect(page.locator("#welcome-now")).to_contain_text("La gare (aucun événement)")
    now = datetime.now(UTC)
    try:
        page.locator("[data-action=create-event]").click()
        dialog = page.locator("dialog[open]")
        dialog.locator("[name=code]").fill(code)
        dialog.locator("[name=kind]").select_option("fair")
        dialog.locator("[name=title_fr]").fill("Salon du tourisme")
        dialog.locator("[name=title_en]").fill("Travel fair")
        dialog.locator("[name=starts_at]").fill(local(now - timedelta(hours=1)))
        dialog.locator("[name=ends_at]").fill(local(now - timedelta(hours=2)))
        dialog.locator("[name=place_name]").fill("Parc des Expositions, hall 5")
        dialog.locator("[name=welcome_languages]").fill("en, zh, fr")
        dialog.locator("[name=welcome_kiosk]").fill("zh")
        dialog.locator("[data-action=submit]").click()
        # Refused: the field says why, and nothing is saved.
        expect(dialog.locator(".field__error:visible")).to_contain_text("ends after it starts")
        assert api(web, tokens, "GET", f"/agenda/{code}").status_code == 404

        dialog.locator("[name=ends_at]").fill(local(now + timedelta(hours=6)))
        dialog.locator("[data-action=submit]").click()
        expect(dialog).to_have_count(0)
        row = page.locator(f"#agenda tr[data-key='{code}']")
        expect(row).to_contain_text("Salon du tourisme")
        expect(row).to_contain_text("en · zh · fr")
        expect(page.locator("#welcome-now")).to_contain_text(code)
        expect(page.locator("#welcome-now")).to_contain_text("en · zh · fr")
        saved = api(web, tokens, "GET", f"/agenda/{code}").json()
        assert saved["welcome"] == {"languages": ["en", "zh", "fr"], "kiosk_language": "zh", "playlist": None}
        assert saved["title"] == {"fr": "Salon du tourisme", "en": "Travel fair"}

        assert_accessible(page)
        page.evaluate("document.querySelectorAll('.toast').forEach((toast) => toast.remove())")  # the picture
        screenshots.take(page, "console-agenda", docs=True)

        row.locator("[data-action=edit]").click()
        dialog = page.locator("dialog[open]")
        expect(dialog.locator("[name=title_fr]")).to_have_value("Salon du tourisme")
        dialog.locator("[name=status]").select_option("cancelled")
        dialog.locator("[data-action=submit]").click()
        expect(dialog).to_have_count(0)
        expect(row).to_contain_text("Annulé")
        # A cancelled event sets no welcome.
        expect(page.locator("#welcome-now")).to_contain_text("La gare (aucun événement)")
        assert api(web, tokens, "GET", f"/agenda/{code}").json()["sequence"] == 1

        row.locator("[data-action=delete]").click()
        page.locator("dialog[open] button[data-value=true]").click()
        expect(row).to_have_count(0)
        assert api(web, tokens, "GET", f"/agenda/{code}").status_code == 404
    finally:
        api(web, tokens, "DELETE", f"/agenda/{code}")


def test_the_kiosk_lists_whats_on_and_starts_in_the_language_an_event_welcomes_with(
    page: Page, web: str, tokens: Tokens, events: dict[str, str], screenshots: Screenshots
) -> None:
    page.set_viewport_size(KIOSK)
    page.goto(f"/kiosk/?station={SAINT_DENIS}")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    page.click("#attract-station")  # past the attract screen, in the language it starts in
    panel = page.locator("#agenda")
    expect(panel.locator("#agenda-title")).to_have_text("\u00c0 l\u2019affiche")
    expect(panel.locator(f"[data-event='{events['concert']}']")).to_contain_text("Jazz sur le parvis")
    expect(panel.locator(f"[data-event='{events['performance']}']")).to_contain_text("annulé")
    page.locator("button[data-lang=de]").click()
    expect(panel.locator("#agenda-title")).to_have_text("Veranstaltungen")
    expect(panel.locator(f"[data-event='{events['concert']}']")).to_contain_text("Konzert")
    page.locator("button[data-lang=fr]").click()
    # A band of the screen like the others: the kiosk still needs no scrolling.
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    screenshots.take(page, "kiosk-agenda", docs=True)

    code = f"salon-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    fair = {
        "code": code,
        "kind": "fair",
        "title": {"fr": "Salon international", "en": "International fair"},
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=3)).isoformat(),
        "welcome": {"languages": ["en", "fr"], "kiosk_language": "en"},
    }
    try:
        assert api(web, tokens, "POST", "/agenda", json=fair).status_code == 201
        page.goto(f"/kiosk/?station={SAINT_DENIS}&idle=2")
        expect(page.locator("body")).to_have_attribute("data-ready", "true")
        page.click("#attract-station")
        expect(page.locator("#agenda-title")).to_have_text("What\u2019s on")
        expect(page.locator("button[data-lang=en]")).to_have_attribute("aria-pressed", "true")
        # Someone switches to German and walks away: the next person finds the welcome's language.
        page.locator("button[data-lang=de]").click()
        expect(page.locator("#agenda-title")).to_have_text("Veranstaltungen")
        expect(page.locator("#attract")).to_be_visible(timeout=10_000)
        expect(page.locator("html")).to_have_attribute("lang", "en")
    finally:
        api(web, tokens, "DELETE", f"/agenda/{code}")
