"""Media: uploaded bytes, sniffed and kept once per station under their SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import InvalidInput, PayloadTooLarge, Problem
from kernel.limits import check_image_pixels
from kernel.pagination import PageRequest, page_of_rows
from kernel.registry import SIGNAGE
from services.signage.media import domain
from services.signage.models import Media


def media_url(station_id: str, sha256: str) -> str:
    return f"{SIGNAGE.path_prefix.format(station_id=station_id)}/media/{sha256}"


async def store_media(*, session: AsyncSession, station_id: str, data: bytes, max_bytes: int) -> Media:
    """Keep uploaded bytes under their SHA-256, once; the type is sniffed, never taken on trust."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f"A media is at most {max_bytes} bytes; this one has {len(data)}.")
    if not data:
        raise InvalidInput("The upload is empty.", slug="unsupported-media")
    media_type = domain.sniff_media(data[:32])
    if media_type is None:
        raise Problem(
            "Only PNG, JPEG, WebP and GIF images and MP4 and WebM videos are accepted.",
            status=415,
            slug="unsupported-media-type",
        )
    if media_type.startswith("image/"):
        try:
            check_image_pixels(data)  # a screen's browser would decode them all
        except ValueError:
            raise Problem(
                f"The upload starts like {media_type} but is not a readable image.",
                status=415,
                slug="unsupported-media-type",
            ) from None
    sha256 = hashlib.sha256(data).hexdigest()
    existing = await session.get(Media, (station_id, sha256))
    if existing is not None:
        return existing
    media = Media(
        station_id=station_id,
        sha256=sha256,
        media_type=media_type,
        size=len(data),
        data=data,
        uploaded_at=utcnow(),
    )
    session.add(media)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()  # the same bytes uploaded meanwhile: same hash, same media
        found = await session.get(Media, (station_id, sha256))
        assert found is not None
        return found
    return media


async def load_media(*, session: AsyncSession, station_id: str, sha256: str, with_data: bool) -> Media:
    """An uploaded media (its bytes too when asked: they are deferred), else a 404 problem."""
    media = await one_or_404(session, Media, "unknown-media", station_id=station_id, sha256=sha256)
    if with_data:
        await session.refresh(media, ["data"])
    return media


async def list_media(*, session: AsyncSession, station_id: str) -> Sequence[Media]:
    return (
        await session.scalars(select(Media).where(Media.station_id == station_id).order_by(Media.uploaded_at))
    ).all()


async def page_media(
    *, session: AsyncSession, station_id: str, page: PageRequest
) -> tuple[list[Media], str | None]:
    """One page of the station's media, oldest upload first."""
    statement = select(Media).where(Media.station_id == station_id)
    return await page_of_rows(session, statement, [Media.uploaded_at, Media.sha256], page)
