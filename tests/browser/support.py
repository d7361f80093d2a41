"""What the browser tests share: Debian's Chromium driven by playwright, signing in through the
real gateway, screenshots into a folder the test names, and axe-core accessibility checks."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GARE_CHROMIUM", "/usr/bin/chromium")
# Headless, no sandbox (containers, root), and nothing that phones home or updates itself.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: ViewportSize = {"width": 390, "height": 844}
KIOSK: ViewportSize = {"width": 1080, "height": 1920}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
AXE_VERSION = "4.14.1"
AXE_SOURCE = REPO_ROOT / "tests" / "browser" / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.2 A and AA, as axe-core tags them.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(os.environ.get("GARE_SCREENSHOTS", REPO_ROOT / "var" / "screenshots"))
DOCS_SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
APP_SESSION_KEY = "gare.session.app"


def chromium_missing_reason() -> str | None:
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return None
    return (
        f"Chromium is not at {CHROMIUM}: `./dev` installs it (apt-get install chromium), or set GARE_CHROMIUM"
    )


@contextmanager
def launch_chromium() -> Iterator[Browser]:
    """A headless Chromium with a new, empty profile (playwright's own temporary one)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


# -- signing in through the real gateway ------------------------------------------------------------


def new_phone_number() -> str:
    """A French mobile number no other test uses (the gateway sends at most 3 codes per number)."""
    return f"+336{secrets.randbelow(10**8):08d}"


def sms_code(gateway_url: str, phone_number: str, *, after: str | None = None, timeout: float = 5.0) -> str:
    """The newest one-time code texted to `phone_number`, read from the development SMS inbox.

    `after`: a code already seen, to wait for a newer message."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.get(
            f"{gateway_url}/dev/notifier/messages", params={"to": phone_number, "limit": 1}, timeout=5
        )
        response.raise_for_status()
        for message in response.json()["items"]:
            match = re.search(r"\b(\d{6})\b", message["text"])
            if match and match.group(1) != after:
                return match.group(1)
        if time.monotonic() > deadline:
            raise AssertionError(f"no code texted to {phone_number} within {timeout}s")
        time.sleep(0.05)


def sign_in_by_phone(
    page: Page,
    gateway_url: str,
    phone_number: str,
    *,
    storage_key: str = APP_SESSION_KEY,
    reload: bool = True,
) -> dict:
    """Sign `page` in as a traveller with the page's own client (web/common/auth.js), without the UI.

    The page must already be on the gateway's origin (any of its pages); it is reloaded after, so
    that it starts signed in. Returns the token's claims."""
    page.evaluate(
        """async ([key, phone]) => {
            const { Session } = await import("/common/auth.js");
            await new Session({ storageKey: key }).requestPhoneCode(phone);
        }""",
        [storage_key, phone_number],
    )
    code = sms_code(gateway_url, phone_number)
    claims = page.evaluate(
        """async ([key, phone, code]) => {
            const { Session } = await import("/common/auth.js");
            return new Session({ storageKey: key }).signInWithPhoneCode(phone, code);
        }""",
        [storage_key, phone_number, code],
    )
    if reload:
        page.reload()
    return claims


def sign_in_with_password(
    page: Page, username: str, password: str, *, storage_key: str, reload: bool = True
) -> dict:
    """Sign `page` in as staff (operator, courier, admin) with web/common/auth.js; returns the claims.

    Reloads the page after, so that it starts signed in."""
    claims = page.evaluate(
        """async ([key, username, password]) => {
            const { Session } = await import("/common/auth.js");
            return new Session({ storageKey: key }).signInWithPassword(username, password);
        }""",
        [storage_key, username, password],
    )
    if reload:
        page.reload()
    return claims


def stored_session(page: Page, storage_key: str = APP_SESSION_KEY) -> dict[str, Any] | None:
    """The tokens a page keeps (what web/common/auth.js wrote to localStorage)."""
    raw = page.evaluate("key => localStorage.getItem(key)", storage_key)
    return json.loads(raw) if raw else None


def signed_in_session(page: Page, storage_key: str = APP_SESSION_KEY) -> dict[str, Any]:
    """The tokens of a page that must be signed in (the test fails here when it keeps none)."""
    session = stored_session(page, storage_key)
    assert session is not None, "the page keeps no session"
    return session


def expire_access_token(page: Page, storage_key: str = APP_SESSION_KEY) -> None:
    """Make the page believe its access token has expired (its refresh token is untouched)."""
    page.evaluate(
        """key => {
            const state = JSON.parse(localStorage.getItem(key));
            state.expires_at = Date.now() - 1000;
            localStorage.setItem(key, JSON.stringify(state));
        }""",
        storage_key,
    )


# -- screenshots --------------------------------------------------------------------------------------


class Screenshots:
    """Screenshots of one test, in `folder` (var/screenshots/<test> by default).

    take(page, "home-phone") writes home-phone.png; docs=True also copies it to docs/screenshots/ when
    GARE_DOCS_SCREENSHOTS=1 (the pictures in the docs change only when someone means them to)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def take(self, page: Page, name: str, *, full_page: bool = False, docs: bool = False) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.png"
        # Fonts and images finished, no caret blinking into the picture.
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
        if docs and os.environ.get("GARE_DOCS_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        return path


def screenshots_for(test_name: str) -> Screenshots:
    return Screenshots(SCREENSHOTS / re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name).strip("_"))


# -- accessibility ------------------------------------------------------------------------------------


def axe(
    page: Page, *, include: str | None = None, tags: list[str] | None = None, disable: list[str] | None = None
) -> list[dict]:
    """Run axe-core on the page (or the `include` selector) and return its violations.

    The script is evaluated through the DevTools protocol, so the page's own CSP (no inline script)
    does not stop it and the page needs no test hook."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE.read_text() + "\n;undefined")
    options: dict[str, Any] = {
        "runOnly": {"type": "tag", "values": tags or AXE_TAGS},
        "resultTypes": ["violations"],
    }
    if disable:
        options["rules"] = {rule: {"enabled": False} for rule in disable}
    result = page.evaluate(
        "async ([include, options]) => axe.run(include ? { include: [include] } : document, options)",
        [include, options],
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


def assert_accessible(page: Page, **options: Any) -> None:
    """No WCAG 2.2 A/AA violation that axe-core can find on the page as it is now."""
    violations = axe(page, **options)
    assert not violations, "axe-core found accessibility violations:\n" + describe_violations(violations)


# -- the operator console -----------------------------------------------------------------------------

CONSOLE_SESSION_KEY = "gare.session.console"
CONSOLE_STATION_KEY = "gare.console.station"


def demo_password(demo: dict, username: str) -> str:
    return next(a["password"] for a in demo["accounts"] if a["username"] == username)


def open_console(
    page: Page, demo: dict, username: str, route: str = "#/", *, station: str | None = None
) -> None:
    """Sign `page` in to the console as `username` (a demo account), with `station` chosen, and
    open `route` ("#/signage/playlists"); returns once the console is ready."""
    page.goto("/console/")
    page.wait_for_selector("html[data-ready=true]")
    sign_in_with_password(
        page, username, demo_password(demo, username), storage_key=CONSOLE_SESSION_KEY, reload=False
    )
    if station:
        page.evaluate("([key, slug]) => localStorage.setItem(key, slug)", [CONSOLE_STATION_KEY, station])
    page.goto(f"/console/{route}")
    page.reload()  # a change of hash alone would keep the page, which has not seen the sign-in
    page.wait_for_selector("html[data-ready=true]")


def answer_departures(page: Page, body: dict | None) -> None:
    """Make the station's departures read as `body` (None: the service has none, a 404) for this page,
    by the read and by its event stream alike, so a page showing a chosen board is not overwritten
    by the live one."""

    def read(route: Any) -> None:
        if body is None:
            route.fulfill(
                status=404,
                content_type="application/problem+json",
                body=json.dumps({"type": "about:blank", "title": "Not Found", "status": 404}),
            )
        else:
            route.fulfill(status=200, content_type="application/json", body=json.dumps(body))

    def stream(route: Any) -> None:
        if body is None:
            read(route)
        else:
            route.fulfill(
                status=200,
                content_type="text/event-stream",
                body=f"event: departures\ndata: {json.dumps(body)}\n\n",
            )

    page.route(re.compile(r".*/kiosk/departures(\?.*)?$"), read)
    page.route(re.compile(r".*/kiosk/departures/live(\?.*)?$"), stream)
