"""Browser fixtures: one Chromium per test session, a fresh context (empty storage) per test, pages
on the whole stack's gateway, and a check that no page logged a script error or a CSP violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from deploy.embedded.stack import StationStack
from tests.browser.support import (
    PHONE,
    Screenshots,
    chromium_missing_reason,
    launch_chromium,
    screenshots_for,
)


@pytest.fixture(scope="package")
def browser(stack: StationStack) -> Iterator[Browser]:
    """One Chromium for the browser tests of one stack (SQLite, then PostgreSQL).

    Package-scoped, and set up after the stack: playwright's synchronous API keeps an asyncio loop
    marked as running in this thread while it lives, and the stack's own setup and teardown (and
    other tests) call asyncio.run(); so the browser closes when the browser tests are done."""
    missing = chromium_missing_reason()
    if missing:
        pytest.fail(missing)
    with launch_chromium() as chromium:
        yield chromium


@pytest.fixture
def web(stack: StationStack) -> str:
    """The gateway's base URL, which serves the pages and the API."""
    return stack.gateway_url


def new_context(browser: Browser, base_url: str, **options: object) -> BrowserContext:
    settings: dict = {
        "viewport": PHONE,
        "locale": "fr-FR",
        "timezone_id": "Europe/Paris",
        "base_url": base_url,
        "service_workers": "block",
    }
    settings.update(options)
    return browser.new_context(**settings)


@pytest.fixture
def context(browser: Browser, web: str) -> Iterator[BrowserContext]:
    """A new browser profile state (no storage, no cookies), a phone-sized viewport, French."""
    ctx = new_context(browser, web)
    yield ctx
    ctx.close()


class PageErrors:
    """Uncaught exceptions and console errors of a page (CSP violations are console errors)."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.expected: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("console", self.on_console)
        return page

    def on_console(self, message: ConsoleMessage) -> None:
        # A text the page asked for and no dictionary has shows its key on screen: a bug.
        if message.type == "warning" and message.text.startswith("i18n: no message"):
            self.errors.append(f"console: {message.text} ({message.location.get('url')})")
            return
        if message.type != "error":
            return
        # A failed request is the test's business (401s and 404s are often what it provokes).
        if message.text.startswith("Failed to load resource"):
            return
        # Scripts the test itself evaluated (axe-core trying to add its styles) have no URL; the
        # page's own scripts, inline or not, always do.
        if not message.location.get("url"):
            return
        self.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def expect(self, fragment: str) -> None:
        """An error message containing `fragment` is part of the test."""
        self.expected.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(fragment in e for fragment in self.expected)]


@pytest.fixture
def page_errors() -> PageErrors:
    return PageErrors()


@pytest.fixture
def page(context: BrowserContext, page_errors: PageErrors) -> Iterator[Page]:
    """A page of the context; the test fails if the page threw or logged an error."""
    page = page_errors.watch(context.new_page())
    page.set_default_timeout(10_000)
    yield page
    assert not page_errors.unexpected(), "the page logged errors:\n" + "\n".join(page_errors.unexpected())


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    """Where this test's screenshots go: var/screenshots/<module>.<test>/."""
    return screenshots_for(f"{request.node.module.__name__.split('.')[-1]}.{request.node.name}")
