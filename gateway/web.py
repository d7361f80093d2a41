"""What the gateway serves to browsers: the station's web clients from `web/`, and the API docs.

Each client is a folder of static files (`/app/` -> web/app, ...): an index.html for a folder, an
ETag for every file (304 on If-None-Match), `Cache-Control: no-cache` on pages and scripts so an
edit reaches every screen at its next load, and the security headers a public web page needs.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from gateway.domain import WEB_CLIENTS

SWAGGER_UI_DIR = Path(__file__).parent / "static" / "swagger-ui"
SWAGGER_UI_VERSION = "5.35.0"
# Revalidated at every use (a 304 when unchanged): what must change on screens as soon as it is edited.
_REVALIDATED = frozenset({".html", ".js", ".mjs", ".css", ".json", ".webmanifest", ".map"})

for _type, _suffix in (
    ("text/javascript", ".js"),
    ("text/javascript", ".mjs"),
    ("application/manifest+json", ".webmanifest"),
    ("font/woff2", ".woff2"),
    ("image/svg+xml", ".svg"),
):
    mimetypes.add_type(_type, _suffix)


class WebClient(StaticFiles):
    """One web client's folder, with the headers of a page on the station's public surface (the
    front adds `nosniff` to every answer, gateway/headers.py)."""

    def __init__(self, directory: Path, *, csp: str, scope_path: str | None = None) -> None:
        # The folder may appear later (or not at all): a missing file is a 404, never a crash.
        super().__init__(directory=directory, html=True, check_dir=False)
        self.headers = {
            "Content-Security-Policy": csp,
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Opener-Policy": "same-origin",
        }
        if scope_path is not None:
            # Lets a service worker under this folder control all of it (the signage player's).
            self.headers["Service-Worker-Allowed"] = scope_path

    async def check_config(self) -> None:
        return None

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 404:  # a 404.html of the folder: the gateway answers a problem
            raise HTTPException(status_code=404)
        if isinstance(response, RedirectResponse):
            # A folder without its slash: Starlette names the request's Host in an absolute URL;
            # a path keeps the client on the address it used, whatever Host it sent.
            raw = scope.get("raw_path")
            location = (raw.decode("latin-1") if raw else scope["path"]) + "/"
            if scope["query_string"]:
                location += "?" + scope["query_string"].decode("latin-1")
            return RedirectResponse(location, status_code=308)
        return response

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(self.headers)
        revalidate = Path(full_path).suffix.lower() in _REVALIDATED
        response.headers["Cache-Control"] = "no-cache" if revalidate else "public, max-age=3600"
        return response


def mount_web_clients(app: FastAPI, web_dir: Path, *, csp: str) -> None:
    for name in WEB_CLIENTS:
        scope_path = f"/{name}/" if name == "player" else None
        app.mount(f"/{name}", WebClient(web_dir / name, csp=csp, scope_path=scope_path), name=f"web-{name}")
        app.add_api_route(
            f"/{name}", _redirect_to(f"/{name}/"), methods=["GET", "HEAD"], include_in_schema=False
        )


def _redirect_to(location: str) -> Callable[[], Awaitable[RedirectResponse]]:
    async def redirect() -> RedirectResponse:
        # A path, not an absolute URL: the client stays on the address it used.
        return RedirectResponse(location, status_code=308)

    return redirect


def mount_docs(app: FastAPI, *, title: str) -> None:
    """Swagger UI from files the gateway ships (gateway/static/swagger-ui): /docs needs no internet."""
    app.mount("/docs/assets", StaticFiles(directory=SWAGGER_UI_DIR), name="docs-assets")
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title=title,
        swagger_js_url=f"/docs/assets/swagger-ui-bundle.js?v={SWAGGER_UI_VERSION}",
        swagger_css_url=f"/docs/assets/swagger-ui.css?v={SWAGGER_UI_VERSION}",
        swagger_favicon_url="/docs/assets/favicon-32x32.png",
        # No badge fetched from the public validator.
        swagger_ui_parameters={"validatorUrl": None},
    ).body
    headers = {"Content-Security-Policy": docs_csp(bytes(page))}

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(page, headers=headers)


def docs_csp(page: bytes) -> str:
    """The page's own scripts by hash (Swagger UI starts from one inline script), its styles inline
    (Swagger UI sets style attributes), nothing from elsewhere, no framing."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in re.findall(rb"<script>(.*?)</script>", page, flags=re.DOTALL)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'"
    )
