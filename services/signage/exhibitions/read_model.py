"""The exhibitions' read model at the station, kept from the hub's config (mirror.py feeds it): each
exhibition that visits the station, its works and their media, its visits here."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.culture import ExhibitionPublished
from kernel.db import utcnow
from kernel.errors import Problem
from kernel.fetch import FetchError, GuardedFetcher
from kernel.hot_reads import mark_changed
from services.signage.exhibitions import domain
from services.signage.exhibitions.models import Exhibition, ExhibitionVisit, ExhibitionWork
from services.signage.invalidation import EXHIBITIONS, PLAYLISTS
from services.signage.media.service import store_media
from services.signage.models import Media

log = logging.getLogger(__name__)


async def apply_exhibition(*, session: AsyncSession, station_id: str, published: ExhibitionPublished) -> bool:
    """Keep the exhibition as published, if it visits this station; True when anything changed.
    The same document again changes nothing (the mirror reads its stream again after a restart)."""
    document = published.model_dump(mode="json")
    stored = await session.get(Exhibition, (station_id, published.code))
    if not domain.concerns(published, station_id):
        if stored is None or stored.retired:
            return False
        stored.retired = True  # no longer visits us: it stops, its answers are kept
        await _remove_visits(session, station_id, published.code, keep=set())
        await commit_change(session, station_id)
        return True
    if stored is not None and stored.document == document and stored.retired == published.retired:
        return False  # the same again (and not retired meanwhile for being gone from the stream)
    if stored is None:
        stored = Exhibition(station_id=station_id, code=published.code)
        session.add(stored)
    stored.document = document
    stored.retired = published.retired
    stored.updated_at = published.updated_at
    stored.mirrored_at = utcnow()
    await _apply_works(session, station_id, published)
    await _apply_visits(session, station_id, published)
    await commit_change(session, station_id)
    return True


async def keep_exhibition(
    *,
    session: AsyncSession,
    station_id: str,
    published: ExhibitionPublished,
    media: Iterable[bytes],
    max_bytes: int = 1 << 22,
) -> None:
    """An exhibition kept without a hub (the demo's): its media stored first, then the exhibition
    taken in as if the hub had published it."""
    for data in media:
        await store_media(session=session, station_id=station_id, data=data, max_bytes=max_bytes)
    await apply_exhibition(session=session, station_id=station_id, published=published)


async def retire_missing(*, session: AsyncSession, station_id: str, present: set[str]) -> bool:
    """Exhibitions the hub's config no longer holds stop playing; True when any did."""
    gone = (
        await session.scalars(
            select(Exhibition).where(
                Exhibition.station_id == station_id,
                Exhibition.retired.is_(False),
                Exhibition.code.not_in(present) if present else Exhibition.code.is_not(None),
            )
        )
    ).all()
    for exhibition in gone:
        exhibition.retired = True
    if gone:
        await commit_change(session, station_id)
    return bool(gone)


async def commit_change(session: AsyncSession, station_id: str) -> None:
    """Commit, marking what shows exhibitions changed: the screens' documents and the app's pages."""
    mark_changed(session, station_id, PLAYLISTS, EXHIBITIONS)
    await session.commit()


async def _apply_works(session: AsyncSession, station_id: str, published: ExhibitionPublished) -> None:
    stored = {
        w.code: w
        for w in await session.scalars(
            select(ExhibitionWork).where(
                ExhibitionWork.station_id == station_id, ExhibitionWork.exhibition_code == published.code
            )
        )
    }
    wanted = {w.code for w in published.works}
    for code, dropped in stored.items():
        if code not in wanted:
            await session.delete(dropped)
    held = set(
        await session.scalars(
            select(Media.sha256).where(
                Media.station_id == station_id, Media.sha256.in_({w.media_sha256 for w in published.works})
            )
        )
    )
    for position, work in enumerate(published.works):
        row = stored.get(work.code)
        if row is None:
            row = ExhibitionWork(
                station_id=station_id,
                exhibition_code=published.code,
                code=work.code,
                content_item_id=domain.content_item_id(published.code, work.code),
            )
            session.add(row)
        if row.media_sha256 != work.media_sha256:
            row.media_problem = None
        row.position = position
        row.artist = work.artist
        row.media_sha256 = work.media_sha256
        row.media_type = work.media_type
        row.media_ready = work.media_sha256 in held
        row.shown_from = work.rights.shown_from
        row.shown_until = work.rights.shown_until
        row.stations = list(work.rights.stations)


async def visits_by_start(
    session: AsyncSession, station_id: str, exhibition: str
) -> dict[datetime, ExhibitionVisit]:
    """The exhibition's visits to the station, by their start (removed ones too)."""
    return {
        v.starts_at: v
        for v in await session.scalars(
            select(ExhibitionVisit).where(
                ExhibitionVisit.station_id == station_id, ExhibitionVisit.exhibition_code == exhibition
            )
        )
    }


async def _apply_visits(session: AsyncSession, station_id: str, published: ExhibitionPublished) -> None:
    stored = await visits_by_start(session, station_id, published.code)
    mine = domain.visits_of(published, station_id)
    for visit in mine:
        row = stored.get(visit.starts_at)
        if row is None:
            row = ExhibitionVisit(
                station_id=station_id,
                exhibition_code=published.code,
                starts_at=visit.starts_at,
                answer="pending",
                targets={},
            )
            session.add(row)
        row.ends_at = visit.ends_at
        row.removed = False
    await _remove_visits(session, station_id, published.code, keep={v.starts_at for v in mine}, rows=stored)


async def _remove_visits(
    session: AsyncSession,
    station_id: str,
    exhibition: str,
    *,
    keep: set[datetime],
    rows: dict[datetime, ExhibitionVisit] | None = None,
) -> None:
    if rows is None:
        rows = await visits_by_start(session, station_id, exhibition)
    for starts_at, row in rows.items():
        if starts_at not in keep:
            row.removed = True


async def works_without_media(*, session: AsyncSession, station_id: str) -> Sequence[ExhibitionWork]:
    return (
        await session.scalars(
            select(ExhibitionWork).where(
                ExhibitionWork.station_id == station_id, ExhibitionWork.media_ready.is_(False)
            )
        )
    ).all()


async def copy_media(
    *, session: AsyncSession, station_id: str, work: ExhibitionWork, url: str, fetcher: GuardedFetcher
) -> bool:
    """Copy a work's media into the station's store, verified against its SHA-256; True once it is
    there. A failure is kept on the work (and retried by the mirror): the work does not play."""
    if await session.get(Media, (station_id, work.media_sha256)) is not None:
        work.media_ready, work.media_problem = True, None  # the same bytes, already here
        await commit_change(session, station_id)
        return True
    problem = None
    try:
        fetched = await fetcher.get(url)
    except FetchError as exc:
        problem = exc.reason
    else:
        if fetched.status_code != 200:
            problem = f"{url}: HTTP {fetched.status_code}"
        elif hashlib.sha256(fetched.content).hexdigest() != work.media_sha256:
            problem = f"{url}: the bytes do not match the work's SHA-256"
        else:
            try:
                await store_media(
                    session=session,
                    station_id=station_id,
                    data=fetched.content,
                    max_bytes=fetcher.max_bytes,
                )
            except Problem as exc:
                problem = f"{url}: {exc.detail}"
    work.media_ready = problem is None
    work.media_problem = problem[:500] if problem else None
    if problem:
        log.warning("an exhibition work's media was not copied", extra={"reason": problem})
    await commit_change(session, station_id)
    return problem is None


async def exhibitions_by_code(
    session: AsyncSession, station_id: str, codes: set[str]
) -> dict[str, Exhibition]:
    if not codes:
        return {}
    return {
        e.code: e
        for e in await session.scalars(
            select(Exhibition).where(Exhibition.station_id == station_id, Exhibition.code.in_(codes))
        )
    }
