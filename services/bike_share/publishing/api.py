"""What the station publishes: its GBFS 3.0 files (the GBFS standard's shapes, served as hot
reads) and what a traveller can take near a point."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.errors import InvalidInput, NotFound
from kernel.hot_reads import HotRead, Rendered, hot_get
from kernel.pagination import Page, page_of_items
from kernel.registry import BIKE_SHARE
from kernel.rules import FieldProblem
from kernel.stations import STATION_SLUG_PATTERN
from services.bike_share import gbfs, shared
from services.bike_share.dependencies import LIVE, PageAsked
from services.bike_share.publishing import service as publishing
from services.bike_share.schemas import NearbyPlace

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])
gbfs_router = APIRouter(prefix="/gbfs/{station_id}", tags=["gbfs"])
# One path segment per file (`station_status.json`): the gateway matches whole segments.
FILE_PATTERN = r"^(" + "|".join(gbfs.RENDERERS) + r")\.json$"
GBFS_FILE = HotRead(
    name="gbfs",
    path="/gbfs/{station_id}/{file}",
    params={"station_id": STATION_SLUG_PATTERN, "file": FILE_PATTERN},
    tags=lambda request: [shared.GBFS],
    cache_control=LIVE,
)
FileName = Annotated[
    str,
    Path(
        max_length=40,
        pattern=r"^[a-z_]+\.json$",
        description="A GBFS 3.0 file: `gbfs.json`, `station_status.json`...",
    ),
]


@hot_get(
    gbfs_router,
    GBFS_FILE,
    summary="A GBFS 3.0 file of the station (manifest.json, gbfs.json, station_status.json, ...)",
)
async def gbfs_file(
    station_id: StationId, file: FileName, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    feed = file.removesuffix(".json")
    if feed not in gbfs.RENDERERS:
        raise NotFound(f"GBFS has no {file} here.")

    async def render() -> Rendered:
        feeds = await publishing.station_feeds(
            session=session, station_id=station_id, settings=runtime.settings
        )
        if feed not in (*feeds.feeds(), "manifest"):
            raise NotFound(f"Station {station_id} publishes no {feed}.json.")
        document = gbfs.RENDERERS[feed](feeds)
        return Rendered(
            json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(),
            last_modified=feeds.last_updated(feed),
        )

    entry = await runtime.hot.entry_for(GBFS_FILE, request, render)
    return entry.response(request)


@router.get(
    "/nearby",
    summary="Vehicle stations and vehicles within a radius, nearest walk first",
    description="Around `lat`/`lon`, or the station's own position when they are left out.",
)
async def nearby(
    station_id: StationId,
    session: SessionDep,
    page: PageAsked,
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    radius_m: Annotated[int, Query(ge=10, le=5000)] = 500,
    vehicle_type_id: Annotated[list[str] | None, Query(max_length=20)] = None,
) -> Page[NearbyPlace]:
    origin = (lat, lon) if lat is not None and lon is not None else shared.station_position(station_id)
    if origin is None:
        raise InvalidInput.from_problems(
            "This station's position is unknown: give lat and lon.", [FieldProblem("lat", "required here")]
        )
    places = await publishing.nearby(
        session=session,
        station_id=station_id,
        lat=origin[0],
        lon=origin[1],
        radius_m=radius_m,
        vehicle_type_ids=set(vehicle_type_id) if vehicle_type_id else None,
    )
    # Nearest walk first; the id parts places at the same distance.
    items, next_cursor = page_of_items(places, lambda p: (p.walking_distance_m, p.id), page)
    return Page(items=items, next_cursor=next_cursor)
