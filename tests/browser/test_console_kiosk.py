"""The console's kiosk section in Chromium against the whole stack: a lift put out of service and
back through the console, followed by the console's route preview, the traveller kiosk and the
dashboard; places and pathways created, edited and deleted; every page checked with axe-core."""

from __future__ import annotations

import secrets

import httpx
import pytest
from playwright.sync_api import Page, expect

from testkit.stack import VILLEJUIF, bearer
from tests.browser.support import DESKTOP, KIOSK, assert_accessible, open_console

pytestmark = pytest.mark.e2e
VJ = f"/api/v1/stations/{VILLEJUIF}/kiosk"
OPERATOR = f"operator-{VILLEJUIF}"
LIFT = "lift-15-b"
STEP_FREE = "exit-bd-maxime-gorki lift-street hall gates mezzanine lift-15-b quai-15-b"
ROUTE = "#/kiosk/route?from=exit-bd-maxime-gorki&to=quai-15-b&profile=step_free&lang=fr"


def console(page: Page, stack, route: str) -> None:
    """The console signed in as Villejuif's operator, at `route`."""
    page.set_viewport_size(DESKTOP)
    open_console(page, stack.demo, OPERATOR, route, station=VILLEJUIF)
    expect(page.locator("#view-title")).to_be_visible()


def lift_status(web: str, tokens) -> str:
    outages = httpx.get(f"{web}{VJ}/equipment", headers=bearer(tokens.operator(VILLEJUIF))).json()["items"]
    return "out_of_service" if any(o["place_code"] == LIFT for o in outages) else "in_service"


def test_a_lift_outage_set_in_the_console_reroutes_previews_and_the_kiosk(
    page: Page, web: str, stack, tokens, screenshots
) -> None:
    console(page, stack, "#/kiosk/equipment")
    row = page.locator(f"#equipment tr[data-key={LIFT}]")
    expect(row).to_contain_text("En service")
    assert_accessible(page)
    try:
        row.locator("[data-action=out]").click()
        dialog = page.locator("dialog[open]")
        dialog.get_by_label("Motif", exact=True).fill("Maintenance")
        dialog.get_by_label("Retour prévu", exact=True).fill("2030-06-15T18:30")
        dialog.locator("[data-action=submit]").click()
        expect(row).to_contain_text("Hors service")
        expect(row).to_contain_text("Maintenance")
        outage = next(
            o
            for o in httpx.get(f"{web}{VJ}/equipment", headers=bearer(tokens.operator(VILLEJUIF))).json()[
                "items"
            ]
            if o["place_code"] == LIFT
        )
        assert outage["reason"] == "Maintenance"
        # Typed in the station's time (Paris, summer time in June): 16:30 UTC.
        assert outage["until"].replace("+00:00", "Z").startswith("2030-06-15T16:30:00")
        screenshots.take(page, "console-kiosk-equipment", docs=True)

        # The console's preview: no step-free route, the lift named as the reason, the fastest one left.
        page.goto(f"/console/{ROUTE}")
        result = page.locator("#route-result")
        expect(result).to_have_attribute("data-found", "false")
        explanation = page.locator("#route-explanation")
        expect(explanation).to_have_attribute("data-code", "only_equipment_out_of_service")
        expect(explanation).to_contain_text("Ascenseur quai B ligne 15")
        expect(page.locator("#route-plan svg.plan")).to_have_count(1)
        assert_accessible(page)
        screenshots.take(page, "console-kiosk-route")

        # The traveller kiosk of the station says the same.
        kiosk = page.context.new_page()
        kiosk.set_viewport_size(KIOSK)  # the kiosk's own screen, its attract screen sized for it
        kiosk.goto(f"/kiosk/?station={VILLEJUIF}&here=exit-bd-maxime-gorki")
        expect(kiosk.locator("body")).to_have_attribute("data-ready", "true")
        kiosk.click("#attract-station")  # touch to start
        kiosk.fill("#search", "quai champigny")
        kiosk.click("[data-profile=step_free]")
        kiosk.locator("#hits button[data-code=quai-15-b]").click()
        expect(kiosk.locator("#route")).to_have_attribute("data-found", "false")
        expect(kiosk.locator("#route-explanation")).to_contain_text("hors service")

        # Back in service through the console, with a confirmation.
        page.goto("/console/#/kiosk/equipment")
        row.locator("[data-action=back]").click()
        page.locator("dialog[open] [data-value=true]").click()
        expect(row).to_contain_text("En service")
        assert lift_status(web, tokens) == "in_service"
        page.goto(f"/console/{ROUTE}")
        expect(result).to_have_attribute("data-found", "true")
        expect(result).to_have_attribute("data-places", STEP_FREE)
        expect(kiosk.locator("#route")).to_have_attribute("data-found", "true", timeout=10_000)
        expect(kiosk.locator("#route")).to_have_attribute("data-places", STEP_FREE)
        kiosk.close()
    finally:
        httpx.put(
            f"{web}{VJ}/equipment/{LIFT}",
            json={"status": "in_service"},
            headers=bearer(tokens.operator(VILLEJUIF)),
        )


def test_the_route_preview_follows_an_outage_while_open(page: Page, web: str, stack, tokens) -> None:
    console(page, stack, ROUTE)
    result = page.locator("#route-result")
    expect(result).to_have_attribute("data-places", STEP_FREE)
    operator = bearer(tokens.operator(VILLEJUIF))
    try:
        down = httpx.put(f"{web}{VJ}/equipment/{LIFT}", json={"status": "out_of_service"}, headers=operator)
        assert down.status_code == 200, down.text
        expect(result).to_have_attribute("data-found", "false", timeout=10_000)
    finally:
        httpx.put(f"{web}{VJ}/equipment/{LIFT}", json={"status": "in_service"}, headers=operator)
    expect(result).to_have_attribute("data-found", "true", timeout=10_000)


def test_the_dashboard_lists_an_outage_while_it_lasts(page: Page, web: str, stack, tokens) -> None:
    operator = bearer(tokens.operator(VILLEJUIF))
    try:
        down = httpx.put(
            f"{web}{VJ}/equipment/{LIFT}",
            json={"status": "out_of_service", "reason": "Panne"},
            headers=operator,
        )
        assert down.status_code == 200, down.text
        console(page, stack, "#/")
        expect(page.locator("#outages")).to_contain_text("Ascenseur quai B ligne 15")
        expect(page.locator("#outages")).to_contain_text("Panne")
    finally:
        httpx.put(f"{web}{VJ}/equipment/{LIFT}", json={"status": "in_service"}, headers=operator)
    expect(page.locator("#outages")).not_to_contain_text("Ascenseur quai B ligne 15", timeout=10_000)


def test_places_and_pathways_are_created_edited_and_deleted(page: Page, web: str, stack, tokens) -> None:
    code = f"t-{secrets.token_hex(3)}"
    operator = bearer(tokens.operator(VILLEJUIF))
    console(page, stack, "#/kiosk/places?level=L0")
    expect(page.locator("#places tbody tr").first).to_be_visible()
    expect(page.locator("#validation #graph-counts")).to_be_visible()
    assert_accessible(page)
    try:
        # A place on the street level.
        page.click("#create-place")
        dialog = page.locator("dialog[open]")
        dialog.get_by_label("Code", exact=True).fill(code)
        dialog.get_by_label("Type", exact=True).select_option("information")
        dialog.get_by_label("Niveau", exact=True).select_option("L0")
        dialog.get_by_label("Latitude", exact=True).fill("48.79285")
        dialog.get_by_label("Longitude", exact=True).fill("2.34930")
        dialog.get_by_label("Nom (Français)", exact=True).fill("Point info test")
        dialog.get_by_label("Nom (English)", exact=True).fill("Test info point")
        dialog.locator("[data-action=submit]").click()
        expect(page).to_have_url(f"{web}/console/#/kiosk/places/{code}")
        expect(page.locator("#view-title")).to_have_text("Point info test")
        assert_accessible(page)

        # Edited: a new French name.
        page.click("#edit-place")
        dialog.get_by_label("Nom (Français)", exact=True).fill("Point info modifié")
        dialog.locator("[data-action=submit]").click()
        expect(page.locator("#view-title")).to_have_text("Point info modifié")
        place = httpx.get(f"{web}{VJ}/places/{code}").json()
        assert place["names"] == {"fr": "Point info modifié", "en": "Test info point"}

        # A pathway from the hall to it, from the place's pathways.
        page.goto(f"/console/#/kiosk/pathways?place={code}")
        expect(page.locator("#pathways")).to_contain_text("Aucun cheminement")
        page.click("#create-pathway")
        dialog.get_by_label("Code", exact=True).fill(f"{code}-p")
        dialog.get_by_label("De", exact=True).select_option("hall")
        dialog.get_by_label("Vers", exact=True).select_option(code)
        dialog.get_by_label("Longueur (m)", exact=True).fill("12")
        dialog.locator("[data-action=submit]").click()
        pathway_row = page.locator(f"#pathways tr[data-key='{code}-p']")
        expect(pathway_row).to_contain_text("Deux sens")
        assert_accessible(page)
        pathway_row.locator("[data-action=edit]").click()
        dialog.get_by_label("Mode", exact=True).select_option("stairs")
        dialog.get_by_label("Dans les deux sens", exact=True).uncheck()
        dialog.get_by_label("Nombre de marches", exact=True).fill("8")
        dialog.locator("[data-action=submit]").click()
        expect(pathway_row).to_contain_text("Sens unique")
        pathway = httpx.get(f"{web}{VJ}/pathways/{code}-p").json()
        assert (pathway["mode"], pathway["bidirectional"], pathway["stair_count"], pathway["length_m"]) == (
            "stairs",
            False,
            8,
            12,
        )

        # The place cannot go while the pathway uses it: the service's refusal is shown.
        page.goto(f"/console/#/kiosk/places/{code}")
        expect(page.locator("#place-pathways")).to_contain_text(f"{code}-p")
        page.click("#delete-place")
        page.locator("dialog[open] [data-value=true]").click()
        expect(page.locator("#place-problem [role=alert]")).to_be_visible()
        assert httpx.get(f"{web}{VJ}/places/{code}").status_code == 200

        # The pathway first, then the place.
        page.goto(f"/console/#/kiosk/pathways?place={code}")
        pathway_row.locator("[data-action=delete]").click()
        page.locator("dialog[open] [data-value=true]").click()
        expect(pathway_row).to_have_count(0)
        page.goto(f"/console/#/kiosk/places/{code}")
        page.click("#delete-place")
        page.locator("dialog[open] [data-value=true]").click()
        expect(page).to_have_url(f"{web}/console/#/kiosk/places")
        assert httpx.get(f"{web}{VJ}/places/{code}").status_code == 404
    finally:
        httpx.delete(f"{web}{VJ}/pathways/{code}-p", headers=operator)
        httpx.delete(f"{web}{VJ}/places/{code}", headers=operator)


def test_levels_are_listed_and_a_level_created_and_deleted(page: Page, web: str, stack, tokens) -> None:
    code = f"t-{secrets.token_hex(3)}"
    console(page, stack, "#/kiosk/levels")
    expect(page.locator("#levels tr[data-key=L0]")).to_be_visible()
    assert_accessible(page)
    try:
        page.click("#create-level")
        dialog = page.locator("dialog[open]")
        dialog.get_by_label("Code", exact=True).fill(code)
        dialog.get_by_label("Indice", exact=True).fill("-9")
        dialog.get_by_label("Nom (Français)", exact=True).fill("Niveau test")
        dialog.locator("[data-action=submit]").click()
        row = page.locator(f"#levels tr[data-key={code}]")
        expect(row).to_contain_text("Niveau test")
        row.locator("[data-action=delete]").click()
        page.locator("dialog[open] [data-value=true]").click()
        expect(row).to_have_count(0)
    finally:
        httpx.delete(f"{web}{VJ}/levels/{code}", headers=bearer(tokens.operator(VILLEJUIF)))


def test_the_map_goes_out_as_gtfs_and_a_broken_feed_changes_nothing(
    page: Page, web: str, stack, tokens
) -> None:
    exported = httpx.get(f"{web}{VJ}/graph/gtfs")
    assert exported.status_code == 200 and exported.headers["content-type"] == "application/zip"
    console(page, stack, "#/kiosk/places")
    expect(page.locator("#graph-counts")).to_be_visible()
    counts = page.locator("#graph-counts").inner_text()

    # The download link is the service's export.
    with page.expect_download() as download:
        page.locator("[data-action=export-gtfs]").click()
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == exported.content

    # A file that is not a feed is refused whole, after the confirmation; the map stays.
    page.locator("#gtfs-import input[name=feed]").set_input_files(
        {"name": "broken.zip", "mimeType": "application/zip", "buffer": b"PK\x05\x06" + b"\0" * 18}
    )
    page.locator("[data-action=import-gtfs]").click()
    page.locator("dialog[open] button[data-value=true]").click()
    expect(page.locator("#gtfs-outcome .notice--danger")).to_contain_text("Le fichier est refusé")
    assert httpx.get(f"{web}{VJ}/graph/gtfs").content == exported.content
    page.evaluate("window.scrollTo(0, 0)")  # rows scrolled under the sticky top bar are not targets
    assert_accessible(page)

    # The exported feed put back replaces the map with itself: same counts, same bytes.
    page.locator("#gtfs-import input[name=feed]").set_input_files(
        {"name": "saved.zip", "mimeType": "application/zip", "buffer": exported.content}
    )
    page.locator("[data-action=import-gtfs]").click()
    page.locator("dialog[open] button[data-value=true]").click()
    expect(page.get_by_text("Plan remplacé")).to_be_visible()
    expect(page.locator("#graph-counts")).to_have_text(counts)
    assert httpx.get(f"{web}{VJ}/graph/gtfs").content == exported.content
