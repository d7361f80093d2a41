"""The station directory: the stations this gateway serves and the services that run there.

Served by the gateway itself from the station catalog (deploy/stations/*.json), the same file the
services seed from: a client discovers the stations and their APIs without knowing a slug first.
"""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from kernel.catalog import CatalogStation
from kernel.errors import NotFound
from kernel.pagination import Page, PageRequest, page_of_items, page_request
from kernel.registry import Service
from kernel.stations import StationSlugPath

router = APIRouter(prefix="/api/v1/stations", tags=["stations"])
# The catalog changes with a deployment, not while the gateway runs.
CACHE_CONTROL = "public, max-age=300"


class StationServicePublic(BaseModel):
    name: str = Field(examples=["bike_share"])
    domain: str = Field(description="Path token of the service's API", examples=["mobility"])
    href: str = Field(examples=["/api/v1/stations/saint-denis-pleyel/mobility"])
    public_reads: bool = Field(description="Its reads (GET) need no token")


class StationPublic(BaseModel):
    slug: str = Field(examples=["saint-denis-pleyel"])
    name: str = Field(examples=["Saint-Denis \u2013 Pleyel"])  # the catalog's name, en dash included
    lines: list[str] = Field(
        description="Metro lines serving the station", examples=[["14", "15", "16", "17"]]
    )
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    timezone: str = Field(examples=["Europe/Paris"])
    services: list[StationServicePublic]


def station_public(station: CatalogStation, services: list[Service]) -> StationPublic:
    return StationPublic(
        slug=station.slug,
        name=station.name,
        lines=station.lines,
        lat=station.lat,
        lon=station.lon,
        timezone=station.timezone,
        services=[
            StationServicePublic(
                name=s.name,
                domain=s.domain,
                href=f"/api/v1/stations/{station.slug}/{s.domain}",
                public_reads=s.public_reads,
            )
            for s in services
        ],
    )


def on_line(station: CatalogStation, line: str) -> bool:
    wanted = line.strip().casefold()
    return any(wanted in (name.casefold(), name.split()[-1].casefold()) for name in station.lines)


def _json(model: BaseModel, request: Request) -> Response:
    """The body with a strong ETag; 304 when the client has it already."""
    body = model.model_dump_json().encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@router.get(
    "",
    response_model=Page[StationPublic],
    summary="The stations served here, by slug, with their lines, position and services",
)
async def list_stations(
    request: Request,
    page: Annotated[PageRequest, Depends(page_request)],
    line: Annotated[
        str | None,
        Query(
            max_length=16,
            pattern=r"^[A-Za-z0-9 ]+$",
            description="Only stations on this line: its name or number (`METRO 14` or `14`)",
        ),
    ] = None,
) -> Response:
    runtime = request.app.state.gateway
    stations = [
        station_public(s, runtime.services)
        for s in runtime.stations_catalog
        if line is None or on_line(s, line)
    ]
    items, next_cursor = page_of_items(stations, lambda station: (station.slug,), page)
    return _json(Page(items=items, next_cursor=next_cursor), request)


@router.get(
    "/{station_id}",
    response_model=StationPublic,
    summary="One station: its lines, position and services",
    responses={404: {"description": "No such station here"}},
)
async def get_station(
    request: Request,
    station_id: StationSlugPath,
) -> Response:
    runtime = request.app.state.gateway
    station = next((s for s in runtime.stations_catalog if s.slug == station_id), None)
    if station is None:
        raise NotFound(f"Station {station_id!r} is not served here.", slug="unknown-station")
    return _json(station_public(station, runtime.services), request)
