"""Content: messages, HTML, images, videos, artworks and widgets, checked by their kind."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, InvalidInput
from kernel.hot_reads import mark_changed
from kernel.pagination import PageRequest, page_of_rows
from services.signage.content import domain
from services.signage.invalidation import PLAYLISTS
from services.signage.models import ContentItem, Media, Playlist, PlaylistItem
from services.signage.schemas import ContentCreate


def _content(station_id: str, kind: str | None) -> Select[Any]:
    statement = select(ContentItem).where(ContentItem.station_id == station_id)
    return statement if kind is None else statement.where(ContentItem.kind == kind)


async def list_content_items(*, session: AsyncSession, station_id: str) -> Sequence[ContentItem]:
    """All the station's content, oldest first."""
    return (
        await session.scalars(_content(station_id, None).order_by(ContentItem.created_at, ContentItem.id))
    ).all()


async def page_content_items(
    *, session: AsyncSession, station_id: str, kind: str | None, page: PageRequest
) -> tuple[list[ContentItem], str | None]:
    """One page of the station's content (of one kind, if asked), oldest first."""
    return await page_of_rows(
        session, _content(station_id, kind), [ContentItem.created_at, ContentItem.id], page
    )


async def _checked_content(
    session: AsyncSession, station_id: str, content_in: ContentCreate
) -> dict[str, Any]:
    media_type = None
    if content_in.media is not None:
        media_type = await session.scalar(
            select(Media.media_type).where(Media.station_id == station_id, Media.sha256 == content_in.media)
        )
    html = {tag: domain.sanitise_html(value) for tag, value in content_in.html.items()}
    problems = domain.content_problems(
        kind=content_in.kind,
        texts=content_in.texts,
        html=content_in.html,
        media=content_in.media,
        media_type=media_type,
        artist=content_in.artist,
        widget=content_in.widget,
        template=content_in.template,
    )
    if problems:
        raise InvalidInput.from_problems(f"The {content_in.kind} is incomplete; see `errors`.", problems)
    return {**content_in.model_dump(), "html": {k: v for k, v in html.items() if v}, "media_type": media_type}


async def create_content_item(
    *, session: AsyncSession, station_id: str, content_in: ContentCreate
) -> ContentItem:
    """Store a message, HTML message, image, video, artwork or widget once it has what its kind needs."""
    values = await _checked_content(session, station_id, content_in)
    now = utcnow()
    item = ContentItem(station_id=station_id, created_at=now, updated_at=now, **values)
    session.add(item)
    await session.commit()
    return item


async def update_content_item(
    *, session: AsyncSession, station_id: str, content_id: str, content_in: ContentCreate
) -> ContentItem:
    """Replace a content; every screen that shows it gets the new version."""
    item = await one_or_404(session, ContentItem, "unknown-content", station_id=station_id, id=content_id)
    for name, value in (await _checked_content(session, station_id, content_in)).items():
        setattr(item, name, value)
    item.updated_at = utcnow()
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return item


async def delete_content_item(*, session: AsyncSession, station_id: str, content_id: str) -> None:
    """Delete a content no playlist uses."""
    item = await one_or_404(session, ContentItem, "unknown-content", station_id=station_id, id=content_id)
    used = await session.scalar(
        select(Playlist.code)
        .join(PlaylistItem, PlaylistItem.playlist_id == Playlist.id)
        .where(PlaylistItem.content_item_id == content_id)
        .limit(1)
    )
    if used is not None:
        raise Conflict(f"Playlist {used!r} still shows this content.", slug="content-in-use")
    await session.delete(item)
    await session.commit()
