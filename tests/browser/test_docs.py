"""The gateway's own HTML in Chromium, under its CSP: Swagger UI at /docs runs its one inline
script and draws the merged document; a problem type's page shows. The `page` fixture fails the
test on any CSP violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def test_the_docs_run_under_their_csp(page: Page) -> None:
    page.goto("/docs")
    # Swagger UI draws the whole merged document before its title: give a loaded CI machine time.
    title = page.get_by_role("heading", name=re.compile("Gare numérique"))
    expect(title).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    expect(page.locator(".opblock").first).to_be_attached()


def test_a_problem_type_is_a_page(page: Page) -> None:
    page.goto("/problems/validation-error")
    expect(page.locator("h1")).to_have_text("validation-error")
    page.get_by_role("link", name="All problem types").click()
    expect(page.locator('a[href="/problems/uri-too-long"]')).to_be_visible()
