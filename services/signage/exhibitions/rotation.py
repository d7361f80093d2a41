"""What the screens play of the exhibitions: the works an accepted visit adds to a screen's rotation,
and the moments when that changes by the clock alone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.culture import ExhibitionPublished, Work
from kernel.qr import qr_svg
from services.signage.exhibitions import domain
from services.signage.exhibitions.models import ExhibitionVisit, ExhibitionWork
from services.signage.exhibitions.read_model import exhibitions_by_code
from services.signage.media.service import media_url
from services.signage.models import Screen
from services.signage.screens.service import facts_of, targets_of


async def playing_works(
    *, session: AsyncSession, screen: Screen, at: datetime, public_url: str = ""
) -> list[dict[str, Any]]:
    """The artwork items an accepted visit adds to this screen's rotation now: its works within
    their rights by the station's clock, each with its QR code to the app."""
    station_id = screen.station_id
    visits = (
        await session.scalars(
            select(ExhibitionVisit).where(
                ExhibitionVisit.station_id == station_id,
                ExhibitionVisit.answer == "accepted",
                ExhibitionVisit.removed.is_(False),
                ExhibitionVisit.starts_at <= at,
                ExhibitionVisit.ends_at > at,
            )
        )
    ).all()
    facts = facts_of(screen)
    codes = sorted({v.exhibition_code for v in visits if targets_of(v.targets).include(facts)})
    if not codes:
        return []
    exhibitions = {
        c: e for c, e in (await exhibitions_by_code(session, station_id, set(codes))).items() if not e.retired
    }
    works = (
        await session.scalars(
            select(ExhibitionWork)
            .where(
                ExhibitionWork.station_id == station_id,
                ExhibitionWork.exhibition_code.in_(list(exhibitions)),
                ExhibitionWork.media_ready.is_(True),
            )
            .order_by(ExhibitionWork.exhibition_code, ExhibitionWork.position)
        )
    ).all()
    items = []
    for row in works:
        published = ExhibitionPublished.model_validate(exhibitions[row.exhibition_code].document)
        work = domain.work_named(published, row.code)
        if work is None or not domain.rights_allow(work.rights, station_id, at):
            continue
        items.append(artwork_item(station_id, screen, published, work, row, at, public_url))
    return items


def artwork_item(
    station_id: str,
    screen: Screen,
    published: ExhibitionPublished,
    work: Work,
    row: ExhibitionWork,
    at: datetime,
    public_url: str,
) -> dict[str, Any]:
    """A work as an artwork item of the player's rotation (the fields of a playlist item, and more)."""
    languages = list(screen.languages)
    title_language, title = domain.texts(work.title, languages)
    artist = next((a for a in published.artists if a.code == work.artist), None)
    # Absolute: a phone's camera opens it from the screen.
    link = public_url + domain.work_link(
        station=station_id, exhibition=published.code, work=work.code, screen=screen.code
    )
    return {
        "content_item_id": row.content_item_id,
        "kind": "artwork",
        "title": title or work.code,
        "language": title_language,
        "text": title,
        "texts": dict(work.title),
        "html": None,
        "media": row.media_sha256,
        "media_type": row.media_type,
        "media_url": media_url(station_id, row.media_sha256),
        "artist": artist.name if artist else work.artist,
        "year": work.year,
        "credit": work.rights.credit,
        "widget": None,
        "duration_seconds": 12,
        "transition": "fade",
        "exhibition": published.code,
        "work": work.code,
        "link": link,
        "qr_svg": qr_svg(link),
        "shown_until": min(work.rights.shown_until, _visit_end(published, station_id, at)),
    }


def _visit_end(published: ExhibitionPublished, station_id: str, at: datetime) -> datetime:
    ends = [v.ends_at for v in domain.visits_of(published, station_id) if v.starts_at <= at < v.ends_at]
    return min(ends) if ends else at


def with_visit_works(shown: dict[str, Any] | None, works: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The content region's rotation with the visit's works joined at its end (positions after its
    own); with no playlist, the works alone."""
    if not works:
        return shown
    rotation = shown or {"id": "exhibitions", "code": "exhibitions", "name": "Exhibitions", "items": []}
    items = list(rotation["items"])
    start = max((i["position"] for i in items), default=-1) + 1
    items += [{**w, "position": start + n} for n, w in enumerate(works)]
    return {**rotation, "items": items}


async def clock_boundaries(*, session: AsyncSession, station_id: str) -> list[datetime]:
    """Every moment at which what the screens play changes by the clock alone: works' rights and
    accepted visits starting or ending."""
    times: list[datetime] = []
    for shown_from, shown_until in await session.execute(
        select(ExhibitionWork.shown_from, ExhibitionWork.shown_until).where(
            ExhibitionWork.station_id == station_id
        )
    ):
        times += [shown_from, shown_until]
    for starts_at, ends_at in await session.execute(
        select(ExhibitionVisit.starts_at, ExhibitionVisit.ends_at).where(
            ExhibitionVisit.station_id == station_id, ExhibitionVisit.answer == "accepted"
        )
    ):
        times += [starts_at, ends_at]
    return times
