"""The console's culture section in Chromium: the culture team (the demo account `culture`, signed in
at the station's gateway) reads the hub — a real hub view on its own JetStream server — and sees
the exhibitions, then one exhibition's whole tour with each station's answer, its works and artists,
and the reach of its works.

The hub's aggregates here are plain streams the test publishes the stations' events to (in the
network they source the stations' streams over leaf links: tests/test_hub_culture.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import struct
import sys
import zlib
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import nats
import pytest
from playwright.sync_api import Browser, Page, expect

from deploy.embedded.ports import listening_socket
from deploy.embedded.processes import ManagedProcess, wait_until
from deploy.embedded.stack import REPO_ROOT, StationStack
from kernel import topology
from kernel.events import new_event
from testkit.stack import SAINT_DENIS, VILLEJUIF, Tokens, bearer
from tests.browser.conftest import PageErrors, new_context
from tests.browser.support import Screenshots, assert_accessible, open_console

pytestmark = pytest.mark.e2e
T = TypeVar("T")
SCREEN = {"width": 1920, "height": 1080}


def landscape_png(
    sky: tuple[int, int, int], water: tuple[int, int, int], width: int = 240, height: int = 160
) -> bytes:
    """A small picture for a work: a sky fading into a horizon, then water (a real PNG, made here)."""
    rows = []
    for y in range(height):
        if y < height * 0.6:
            f = y / (height * 0.6)
            colour = tuple(int(c + (255 - c) * f * 0.6) for c in sky)
        else:
            f = (y - height * 0.6) / (height * 0.4)
            colour = tuple(int(c * (1 - 0.4 * f)) for c in water)
        rows.append(b"\0" + bytes(colour) * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


CODE = "regards-sur-la-seine"


def off_the_loop(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine in a thread of its own: playwright keeps this thread's loop marked running."""
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(lambda: asyncio.run(work())).result()


async def hub_streams(url: str) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=5)
        await topology.ensure_stream(js, topology.config_stream(replicas=1))
        for domain, name in topology.AGGREGATE_STREAMS.items():
            await js.add_stream(name=name, subjects=[f"gare.*.{domain}.>"])
        for slug, name in (
            (SAINT_DENIS, "Saint-Denis Pleyel"),
            (VILLEJUIF, "Villejuif - Gustave Roussy"),
        ):
            await topology.publish_registration(
                js,
                topology.StationRegistration(
                    slug=slug, name=name, public_url=f"https://{slug}.example.org", gbfs_system_id=slug
                ),
            )
    finally:
        await nc.close()


async def publish(url: str, events: list[Any]) -> None:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream(timeout=5)
        for outgoing in events:
            await js.publish(outgoing.nats_subject, outgoing.to_json().encode())
    finally:
        await nc.close()


@pytest.fixture
def hub(stack: StationStack, nats_server: Any, tmp_path: Path) -> Iterator[str]:
    """The hub's view, trusting the stack's gateway for tokens and letting its console call it."""
    off_the_loop(lambda: hub_streams(nats_server.url))
    sock = listening_socket(0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        view = ManagedProcess(
            name="hub-view",
            argv=[sys.executable, "-m", "services.hub", "serve"],
            env={
                **os.environ,
                "HUB_NATS_URL": nats_server.url,
                "HUB_JWKS_URL": f"{stack.gateway_url}/.well-known/jwks.json",
                "HUB_CORS_ORIGINS": stack.gateway_url,
                "HUB_MEDIA_REPLICAS": "1",
                "HUB_PUBLIC_URL": url,
                "GARE_LISTEN_FD": str(sock.fileno()),
                "PYTHONUNBUFFERED": "1",
            },
            log_path=tmp_path / "hub-view.log",
            cwd=REPO_ROOT,
            pass_fds=(sock.fileno(),),
        )
        view.start()
    finally:
        sock.close()

    def ready() -> bool:
        try:
            return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(ready, timeout=60, what="hub view", interval=0.2)
        yield url
    finally:
        view.stop()


def curate(hub: str, token: str) -> None:
    auth = bearer(token)
    base = f"{hub}/api/v1/network/exhibitions"

    def call(method: str, url: str, **kw: Any) -> dict[str, Any]:
        response = httpx.request(method, url, headers={**auth, **kw.pop("headers", {})}, timeout=10, **kw)
        assert response.status_code in (200, 201), response.text
        return response.json()

    call(
        "POST",
        base,
        json={
            "code": CODE,
            "title": {"fr": "Regards sur la Seine", "en": "Views of the Seine"},
            "description": {"fr": "Photographies du fleuve, de Saint-Denis à Villejuif."},
        },
    )
    artists = [
        ("awa-diallo", "Awa Diallo", "Photographe, vit à Saint-Denis.", "https://example.org/awa-diallo"),
        ("jules-moreau", "Jules Moreau", "Peintre du Val-de-Marne.", "https://example.org/jules-moreau"),
    ]
    for code, name, bio, link in artists:
        call(
            "POST",
            f"{base}/{CODE}/artists",
            json={"code": code, "name": name, "biography": {"fr": bio}, "links": [link]},
        )
    pictures = {
        "quai-matin": landscape_png((244, 176, 120), (52, 92, 120)),
        "pont-soir": landscape_png((84, 60, 128), (30, 40, 80)),
        "berges": landscape_png((150, 170, 190), (70, 100, 90)),
    }
    media = f"{hub}/api/v1/network/media"
    shas = {
        code: call("POST", media, content=png, headers={"Content-Type": "image/png"})["sha256"]
        for code, png in pictures.items()
    }
    start = datetime(2027, 3, 1, tzinfo=UTC)
    works = [
        ("quai-matin", "awa-diallo", "Quai, au matin", 2026, []),
        ("pont-soir", "awa-diallo", "Le pont, le soir", 2025, [SAINT_DENIS]),
        ("berges", "jules-moreau", "Berges en hiver", 2024, []),
    ]
    for code, artist, title, year, stations in works:
        call(
            "POST",
            f"{base}/{CODE}/works",
            json={
                "code": code,
                "artist": artist,
                "title": {"fr": title},
                "year": year,
                "media_sha256": shas[code],
                "rights": {
                    "licence": "CC BY-NC 4.0",
                    "credit": f"© {artist.replace('-', ' ').title()}",
                    "shown_from": start.isoformat(),
                    "shown_until": (start + timedelta(days=120)).isoformat(),
                    "stations": stations,
                },
            },
        )
    for station, days in ((SAINT_DENIS, 0), (VILLEJUIF, 35)):
        call(
            "POST",
            f"{base}/{CODE}/visits",
            json={
                "station": station,
                "starts_at": (start + timedelta(days=days)).isoformat(),
                "ends_at": (start + timedelta(days=days + 28)).isoformat(),
            },
        )


def test_the_culture_team_sees_the_whole_tour_with_each_stations_answer(
    browser: Browser,
    stack: StationStack,
    web: str,
    hub: str,
    nats_server: Any,
    tokens: Tokens,
    page_errors: PageErrors,
    screenshots: Screenshots,
) -> None:
    curate(hub, tokens.account("culture"))
    answered = datetime.now(UTC).isoformat()
    visit = {SAINT_DENIS: "2027-03-01T00:00:00Z", VILLEJUIF: "2027-04-05T00:00:00Z"}
    events = [
        new_event(
            station_id=station,
            domain="signage",
            entity="visit",
            verb="answered",
            data={
                "exhibition_code": CODE,
                "starts_at": visit[station],
                "answer": answer,
                "answered_at": answered,
            },
        )
        for station, answer in ((SAINT_DENIS, "accepted"), (VILLEJUIF, "declined"))
    ]
    events.append(
        new_event(
            station_id=SAINT_DENIS,
            domain="signage",
            entity="work",
            verb="played",
            data={
                "screen_code": "hall",
                "day": "2027-03-02",
                "reported_at": answered,
                "works": [
                    {
                        "work_code": "quai-matin",
                        "exhibition_code": CODE,
                        "artist": "awa-diallo",
                        "plays": 184,
                        "seconds": 2760.0,
                    },
                    {
                        "work_code": "berges",
                        "exhibition_code": CODE,
                        "artist": "jules-moreau",
                        "plays": 96,
                        "seconds": 1440.0,
                    },
                ],
            },
        )
    )
    off_the_loop(lambda: publish(nats_server.url, events))

    # The console's CSP lets pages call their own origin only; a deployment adds the hub's
    # (GATEWAY_WEB_CSP, docs/culture.md). This stack's gateway has the default, so the test lifts it.
    context = new_context(browser, web, viewport=SCREEN, bypass_csp=True)
    try:
        page: Page = page_errors.watch(context.new_page())
        page.set_default_timeout(15_000)
        open_console(page, stack.demo, "culture", f"#/culture?hub={quote(hub, safe='')}")
        expect(page.locator("#view-title")).to_have_text("La culture sur le réseau")
        row = page.locator(f"table.culture-exhibitions tr[data-key='{CODE}']")
        expect(row).to_contain_text("Regards sur la Seine")
        assert_accessible(page)
        # A new exhibition, from the page.
        page.locator("[data-action=new-exhibition]").click()
        dialog = page.locator("dialog")
        dialog.locator("input[name=code]").fill("atelier-pleyel")
        dialog.locator("input[name=title_fr]").fill("Atelier Pleyel")
        dialog.locator("[data-action=submit]").click()
        expect(page.locator("table.culture-exhibitions tr[data-key='atelier-pleyel']")).to_contain_text(
            "Atelier Pleyel"
        )
        row.locator("a").click()

        expect(page.locator("#view-title")).to_have_text("Regards sur la Seine")
        tour = page.locator("table.culture-tour tbody tr")
        expect(tour).to_have_count(2)
        expect(tour.nth(0)).to_contain_text("Saint-Denis Pleyel")
        expect(tour.nth(0).locator("[data-answer=accepted]")).to_contain_text("Acceptée")
        expect(tour.nth(1).locator("[data-answer=declined]")).to_contain_text("Refusée")
        expect(page.locator("#tour")).to_contain_text("Acceptées par leur gare : 1 sur 2.")
        expect(page.locator("table.culture-works tbody tr")).to_have_count(3)
        expect(page.locator("table.culture-artists")).to_contain_text("Jules Moreau")
        reach = page.locator("table.culture-reach tr[data-key='quai-matin']")
        expect(reach).to_contain_text("184")
        assert_accessible(page)
        expect(page.locator(".toast")).to_have_count(0, timeout=10_000)  # the "saved" of the new exhibition
        screenshots.take(page, "console-culture-tour", docs=True)
        screenshots.take(page, "console-culture-exhibition-full", full_page=True)

        # The tour planned from the page: a visit added (pending), one that meets it refused with the
        # reason, the added one cancelled.
        page.locator("[data-action=add-visit]").click()
        dialog = page.locator("dialog")
        dialog.locator("select[name=station]").select_option(VILLEJUIF)
        dialog.locator("input[name=starts]").fill("2027-06-01")
        dialog.locator("input[name=ends]").fill("2027-06-15")
        dialog.locator("[data-action=submit]").click()
        expect(tour).to_have_count(3)
        expect(tour.nth(2).locator("[data-answer=pending]")).to_contain_text("En attente")
        expect(tour.nth(2)).to_contain_text("1 juin 2027")
        page.locator("[data-action=add-visit]").click()
        dialog = page.locator("dialog")
        dialog.locator("select[name=station]").select_option(VILLEJUIF)
        dialog.locator("input[name=starts]").fill("2027-06-10")
        dialog.locator("input[name=ends]").fill("2027-06-20")
        dialog.locator("[data-action=submit]").click()
        expect(dialog.locator(".form__problem")).not_to_be_empty()
        dialog.locator("[data-action=cancel]").click()
        expect(tour).to_have_count(3)
        tour.nth(2).locator("[data-action=cancel-visit]").click()
        page.locator("dialog [data-value=true]").click()
        expect(tour).to_have_count(2)

        # The CSV the funder gets, downloaded from the page.
        with page.expect_download() as download:
            page.locator("[data-action=reach-csv]").click()
        text = Path(download.value.path()).read_text()
        assert text.splitlines()[0] == "by,key,exhibition,plays,seconds,scans"
        assert "work,quai-matin,regards-sur-la-seine,184,2760.0,0" in text
    finally:
        context.close()
    assert not page_errors.unexpected(), "the page logged errors:\n" + "\n".join(page_errors.unexpected())
