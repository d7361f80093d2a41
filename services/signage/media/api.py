"""Media's routes: upload, list, and the bytes (public, immutable, with byte ranges)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response, status

from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.errors import Problem
from kernel.hot_reads import NOT_MODIFIED
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import SIGNAGE
from services.signage.deps import Operator, PageDep, ShaPath
from services.signage.media import domain, service
from services.signage.schemas import MediaPublic
from services.signage.settings import Settings

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])


IMMUTABLE = "public, max-age=31536000, immutable"


def media_public(media: Any) -> MediaPublic:
    return MediaPublic(
        sha256=media.sha256,
        media_type=media.media_type,
        size=media.size,
        url=service.media_url(media.station_id, media.sha256),
        uploaded_at=media.uploaded_at,
    )


@router.post(
    "/media",
    status_code=status.HTTP_201_CREATED,
    summary="Upload an image or a video (the raw bytes as the body); stored once by its SHA-256",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    responses=problem_responses(
        {
            413: "`payload-too-large`: over the media size limit, or an image of more than 40 million pixels.",
            415: "`unsupported-media-type`: not a readable PNG, JPEG, WebP or GIF image nor an MP4 or WebM video.",
            422: "`unsupported-media`: the body is empty.",
        }
    ),
)
async def upload_media(
    station_id: StationId, request: Request, session: SessionDep, runtime: RuntimeDep, _: Operator
) -> MediaPublic:
    settings = runtime.settings
    limit = settings.max_media_bytes if isinstance(settings, Settings) else settings.max_body_bytes
    media = await service.store_media(
        session=session, station_id=station_id, data=await request.body(), max_bytes=limit
    )
    return media_public(media)


@router.get("/media", summary="The station's uploaded media, oldest first")
async def list_media(
    station_id: StationId, session: SessionDep, _: Operator, page: PageDep
) -> Page[MediaPublic]:
    media, next_cursor = await service.page_media(session=session, station_id=station_id, page=page)
    return Page(items=[media_public(m) for m in media], next_cursor=next_cursor)


@router.get(
    "/media/{sha256}",
    summary="A media's bytes: public, immutable (the address is the hash), with byte ranges for video",
    response_class=Response,
    responses={
        200: {
            "content": {t: {} for t in sorted(set().union(*domain.MEDIA_KINDS.values()))},
            "description": "The bytes",
        },
        206: {
            "content": {t: {} for t in sorted(set().union(*domain.MEDIA_KINDS.values()))},
            "description": "A byte range",
        },
        **NOT_MODIFIED,
        **problem_responses({404: "`unknown-media`: no such media here.", 416: "`range-not-satisfiable`."}),
    },
)
async def get_media(
    station_id: StationId, sha256: ShaPath, request: Request, session: SessionDep
) -> Response:
    etag = f'"{sha256}"'
    # Vary: a shared cache (the gateway's) keeps the whole media apart from its ranges.
    headers = {"etag": etag, "cache-control": IMMUTABLE, "accept-ranges": "bytes", "vary": "range"}
    if request.headers.get("if-none-match") in (etag, "*"):
        await service.load_media(session=session, station_id=station_id, sha256=sha256, with_data=False)
        return Response(status_code=304, headers=headers)
    media = await service.load_media(session=session, station_id=station_id, sha256=sha256, with_data=True)
    wanted = domain.byte_range(request.headers.get("range"), media.size)
    if wanted == "unsatisfiable":
        raise Problem(
            f"The media has {media.size} bytes.",
            status=416,
            slug="range-not-satisfiable",
            headers={"content-range": f"bytes */{media.size}"},
        )
    if wanted is None:
        return Response(media.data, media_type=media.media_type, headers=headers)
    first, last = wanted
    headers["content-range"] = f"bytes {first}-{last}/{media.size}"
    return Response(
        media.data[first : last + 1], status_code=206, media_type=media.media_type, headers=headers
    )
