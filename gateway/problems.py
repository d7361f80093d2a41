"""The pages problem types point at: `/problems/<slug>`, the `type` of every problem the station
answers (RFC 9457 §3.1.1: a type URI should resolve to documentation for people)."""

from __future__ import annotations

from html import escape
from http import HTTPStatus

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from kernel.errors import NotFound, problem_type
from kernel.problems import PROBLEM_TYPES, ProblemType

router = APIRouter(include_in_schema=False)
# Plain pages: no script, no style sheet, nothing from elsewhere, no framing.
PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
_HEADERS = {"Content-Security-Policy": PAGE_CSP, "Cache-Control": "public, max-age=3600"}


def _status(kind: ProblemType) -> str:
    return f"{kind.status} {HTTPStatus(kind.status).phrase}" if kind.status else "the answer's"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} — Gare numérique</title>"
        '<body style="font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem">'
        f"{body}</body></html>"
    )


def _code(text: str) -> str:
    """The meanings' `code` spans as <code>, the rest escaped."""
    parts = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


@router.get("/problems", response_class=HTMLResponse)
async def problem_index() -> HTMLResponse:
    rows = "".join(
        f'<tr><td><a href="{problem_type(slug)}"><code>{slug}</code></a></td>'
        f"<td>{kind.status or ''}</td><td>{_code(kind.meaning)}</td></tr>"
        for slug, kind in PROBLEM_TYPES.items()
    )
    body = (
        "<h1>Problem types</h1><p>The <code>type</code> of every error answer "
        "(<code>application/problem+json</code>, RFC 9457) of the station's API.</p>"
        f"<table><tr><th>type</th><th>status</th><th>meaning</th></tr>{rows}</table>"
    )
    return HTMLResponse(_page("Problem types", body), headers=_HEADERS)


@router.get("/problems/{slug}", response_class=HTMLResponse)
async def problem_page(slug: str) -> HTMLResponse:
    kind = PROBLEM_TYPES.get(slug)
    if kind is None:
        raise NotFound(f"No problem type {slug!r}; /problems lists them all.")
    body = (
        f"<h1><code>{slug}</code></h1><p>{_code(kind.meaning)}</p>"
        f"<p>Status: {_status(kind)}.</p>"
        "<p>The answer's <code>detail</code> says what went wrong this time, its <code>request_id</code> "
        'finds it in the logs. <a href="/problems">All problem types</a>.</p>'
    )
    return HTMLResponse(_page(slug, body), headers=_HEADERS)
