"""The hub's network view: wiring and routes.

- `GET /gbfs/manifest.json`: GBFS 3.0 manifest of every station's feeds (public).
- `GET /api/v1/network/stations[?status=&cursor=&limit=]` (one page, by slug),
  `GET /api/v1/network/stations/{slug}`: the operator overview of every station (link, lockers
  full, screens offline, alerts); `GET /api/v1/network/summary`: how many stations are in each
  status. All need `network:admin`.
- Culture (`services/hub/culture/`): `/api/v1/network/exhibitions/...` (curation and tour),
  `/api/v1/network/media` and the public `/media/{sha256}.{ext}`, `/api/v1/network/reach[.csv]`;
  they need `network:culture` (or `network:admin`), media reads are public.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated

import httpx
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.middleware.cors import CORSMiddleware

from kernel.auth import JwksClient, Principal, TokenVerifier
from kernel.errors import Forbidden, NotFound, Unauthorized, install_problem_handlers
from kernel.health import Check, CheckResult, health_router
from kernel.observability import RequestContextMiddleware, configure_logging, metrics_endpoint
from kernel.openapi import add_routers
from kernel.pagination import Page, PageRequest, page_of_items, page_request
from kernel.tls import verified_context
from services.hub.culture.api import router as culture_router
from services.hub.feed import NetworkFeed
from services.hub.gbfs import network_manifest
from services.hub.overview import StationStatus
from services.hub.schemas import (
    AlertPublic,
    LinkPublic,
    LockersPublic,
    NetworkSummaryPublic,
    ScreensPublic,
    StationOverviewPublic,
)
from services.hub.settings import HubSettings

log = logging.getLogger(__name__)
NETWORK_SCOPE = "network:admin"
_bearer = HTTPBearer(auto_error=False)


def get_feed(request: Request) -> NetworkFeed:
    return request.app.state.feed


FeedDep = Annotated[NetworkFeed, Depends(get_feed)]


async def network_operator(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if credentials is None:
        raise Unauthorized("The network overview needs a bearer token with the network:admin scope.")
    principal = await request.app.state.verifier.verify(credentials.credentials)
    if NETWORK_SCOPE not in principal.scopes:
        raise Forbidden("The network overview needs the network:admin scope.")
    return principal


router = APIRouter()


@router.get("/gbfs/manifest.json", summary="GBFS 3.0 manifest of every station's feeds")
async def gbfs_manifest(request: Request, feed: FeedDep) -> Response:
    settings: HubSettings = request.app.state.settings
    body = json.dumps(
        network_manifest(
            list(feed.directory.values()),
            ttl=settings.manifest_ttl_seconds,
            started_at=request.app.state.started_at,
        ),
        ensure_ascii=False,
    ).encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": f"public, max-age={settings.manifest_ttl_seconds}"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


def station_overview(feed: NetworkFeed, slug: str) -> StationOverviewPublic:
    view, link = feed.view(slug), feed.link(slug)
    registration = feed.directory.get(slug)
    compartments = [state for bank in view.banks.values() for state in bank.compartments.values()]
    return StationOverviewPublic(
        slug=slug,
        name=registration.name if registration else None,
        public_url=registration.public_url if registration else None,
        status=feed.status(slug),
        attention=view.attention(),
        link=LinkPublic(
            state=link.state, last_contact_seconds=link.last_contact_seconds, lag=link.lag, error=link.error
        ),
        last_event_at=view.last_event_at,
        lockers=LockersPublic(
            banks=len(view.banks),
            compartments=len(compartments),
            free=compartments.count("free"),
            full_banks=view.full_banks,
        ),
        screens=ScreensPublic(registered=len(view.screens), offline=sorted(view.offline_screens)),
        alerts=[
            AlertPublic(id=a.id, title=a.title, severity=a.severity, raised_at=a.raised_at)
            for a in sorted(view.alerts.values(), key=lambda a: a.raised_at)
        ],
    )


@router.get("/api/v1/network/stations", summary="Every station of the network at a glance, by slug")
async def list_stations(
    feed: FeedDep,
    _: Annotated[Principal, Depends(network_operator)],
    page: Annotated[PageRequest, Depends(page_request)],
    status: Annotated[StationStatus | None, Query(description="only the stations in this status")] = None,
) -> Page[StationOverviewPublic]:
    slugs = [slug for slug in feed.stations() if status is None or feed.status(slug) == status]
    chunk, next_cursor = page_of_items(slugs, lambda slug: (slug,), page)
    return Page(items=[station_overview(feed, slug) for slug in chunk], next_cursor=next_cursor)


@router.get("/api/v1/network/summary", summary="How many stations are in each status")
async def network_summary(
    feed: FeedDep, _: Annotated[Principal, Depends(network_operator)]
) -> NetworkSummaryPublic:
    counts = Counter(feed.status(slug) for slug in feed.stations())
    return NetworkSummaryPublic(
        generated_at=datetime.now(UTC), stations=sum(counts.values()), counts=dict(counts)
    )


@router.get("/api/v1/network/stations/{slug}", summary="One station of the network")
async def read_station(
    slug: str, feed: FeedDep, _: Annotated[Principal, Depends(network_operator)]
) -> StationOverviewPublic:
    if slug not in feed.stations():
        raise NotFound(f"No station {slug!r} in the network directory.")
    return station_overview(feed, slug)


def hub_checks(feed: NetworkFeed) -> list[Check]:
    async def nats() -> CheckResult:
        return feed.connected, None if feed.connected else "not connected to the hub cluster"

    async def streams() -> CheckResult:
        waiting = sorted(name for name, done in feed.caught_up.items() if not done)
        if not feed.caught_up:
            return False, "not subscribed yet (has hub-setup run?)"
        return not waiting, f"replaying: {', '.join(waiting)}" if waiting else None

    return [Check("nats", nats), Check("streams", streams)]


def create_app(settings: HubSettings | None = None) -> FastAPI:
    settings = settings or HubSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("hub", settings.log_level)
        http = httpx.AsyncClient(verify=verified_context())
        jwks = JwksClient(settings.jwks_url, http=http)
        app.state.verifier = TokenVerifier(
            key_lookup=jwks.key, issuer=settings.issuer, audience=settings.token_audience
        )
        app.state.feed = NetworkFeed(settings)
        app.state.feed.start()
        log.info("hub started", extra={"port": settings.port})
        try:
            yield
        finally:
            await app.state.feed.close()
            await http.aclose()

    app = FastAPI(
        title="Gare numérique — network hub",
        description="Every station of the network: GBFS manifest, operator overview, culture on tour.",
        version="1.0.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.started_at = datetime.now(UTC)
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="hub")
    add_routers(app, [health_router("hub", lambda request: hub_checks(request.app.state.feed))])
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    add_routers(app, [router, culture_router])
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Accept", "X-Request-ID", "If-None-Match"],
            expose_headers=["ETag", "X-Request-ID", "Content-Disposition"],
        )
    return app
