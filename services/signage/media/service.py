"""Media: uploaded bytes, sniffed and kept once per station under their SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from kernel.db import utcnow
from kernel.errors import InvalidInput, NotFound, PayloadTooLarge, Problem
from kernel.limits import check_image_pixels
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


async def get_media_or_raise(
    *, session: AsyncSession, station_id: str, sha256: str, with_data: bool
) -> Media:
    """An uploaded media, else a 404 problem."""
    options = [undefer(Media.data)] if with_data else []
    media = await session.get(Media, (station_id, sha256), options=options)
    if media is None:
        raise NotFound(f"No media {sha256} at {station_id}.", slug="unknown-media")
    return media


async def list_media(*, session: AsyncSession, station_id: str) -> Sequence[Media]:
    return (
        await session.scalars(select(Media).where(Media.station_id == station_id).order_by(Media.uploaded_at))
    ).all()
