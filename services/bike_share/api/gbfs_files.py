"""The station's GBFS 3.0 files, served as hot reads (the GBFS standard's shapes, not ours)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.errors import NotFound
from kernel.hot_reads import NOT_MODIFIED, HotRead, Rendered
from kernel.stations import STATION_SLUG_PATTERN
from services.bike_share import gbfs
from services.bike_share.api.access import LIVE
from services.bike_share.service import publishing, shared

router = APIRouter(prefix="/gbfs/{station_id}", tags=["gbfs"])
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


@router.get(
    "/{file}",
    responses=NOT_MODIFIED,
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
