"""A work as the app shows it, from a screen's QR code, and the scan told to the hub."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.culture import ExhibitionPublished, Work, WorkScanned
from kernel.db import utcnow
from kernel.errors import NotFound
from kernel.outbox import stage
from services.signage.exhibitions import domain, events
from services.signage.exhibitions.models import Exhibition, ExhibitionWork
from services.signage.exhibitions.schemas import (
    ArtistPublic,
    ExhibitionWorkPage,
    TourStop,
    WorkPublic,
    WorkSummary,
)
from services.signage.media.service import media_url
from services.signage.models import OUTBOX, Screen


async def showable(
    *, session: AsyncSession, station_id: str, exhibition: str, work: str, at: datetime
) -> tuple[ExhibitionPublished, Work, ExhibitionWork]:
    """The work, if the station may show it now (exhibition here, not retired, within its rights)."""
    stored = await session.get(Exhibition, (station_id, exhibition))
    if stored is None or stored.retired:
        raise NotFound(f"No exhibition {exhibition!r} visits this station.", slug="unknown-exhibition")
    published = ExhibitionPublished.model_validate(stored.document)
    found = domain.work_named(published, work)
    row = await session.get(ExhibitionWork, (station_id, exhibition, work))
    if (
        found is None
        or row is None
        or not row.media_ready
        or not domain.rights_allow(found.rights, station_id, at)
    ):
        raise NotFound(f"Exhibition {exhibition!r} has no work {work!r} shown here now.", slug="unknown-work")
    return published, found, row


async def work_page(
    *, session: AsyncSession, station_id: str, exhibition: str, work: str, languages: list[str]
) -> ExhibitionWorkPage:
    at = utcnow()
    published, found, row = await showable(
        session=session, station_id=station_id, exhibition=exhibition, work=work, at=at
    )
    language, title = domain.texts(found.title, languages)

    def text(localized: dict[str, str]) -> str | None:
        return domain.texts(localized, languages)[1]

    artists = {a.code: a for a in published.artists}
    artist = artists.get(found.artist)
    ready = {
        w.code
        for w in await session.scalars(
            select(ExhibitionWork).where(
                ExhibitionWork.station_id == station_id,
                ExhibitionWork.exhibition_code == exhibition,
                ExhibitionWork.media_ready.is_(True),
            )
        )
    }
    others = [
        WorkSummary(
            code=w.code,
            title=text(w.title) or w.code,
            artist=artists[w.artist].name if w.artist in artists else w.artist,
            media_url=media_url(station_id, w.media_sha256),
        )
        for w in published.works
        if w.code != work and w.code in ready and domain.rights_allow(w.rights, station_id, at)
    ]
    return ExhibitionWorkPage(
        station=station_id,
        language=language or languages[0],
        exhibition=published.code,
        exhibition_title=text(published.title) or published.code,
        exhibition_description=text(published.description),
        work=WorkPublic(
            code=found.code,
            title=title or found.code,
            year=found.year,
            technique=text(found.technique),
            description=text(found.description),
            audio_description=text(found.audio_description),
            audio_description_language=domain.texts(found.audio_description, languages)[0],
            audio_url=found.audio_url,
            media_url=media_url(station_id, row.media_sha256),
            media_type=row.media_type,
            credit=found.rights.credit,
            licence=found.rights.licence,
            artist=found.artist,
        ),
        artist=ArtistPublic(
            code=found.artist,
            name=artist.name if artist else found.artist,
            biography=text(artist.biography) if artist else None,
            links=list(artist.links) if artist else [],
        ),
        other_works=others,
        next_stops=[
            TourStop(
                station=v.station,
                starts_at=v.starts_at,
                ends_at=v.ends_at,
                here=v.station == station_id,
                current=v.starts_at <= at < v.ends_at,
            )
            for v in domain.coming_stops(published, at)
        ],
    )


async def record_scan(
    *, session: AsyncSession, station_id: str, exhibition: str, work: str, screen: str | None
) -> None:
    """A visitor opened a work from a screen's QR code: told to the hub (outbox)."""
    at = utcnow()
    await showable(session=session, station_id=station_id, exhibition=exhibition, work=work, at=at)
    if screen is not None:
        known = await session.scalar(
            select(Screen.id).where(Screen.station_id == station_id, Screen.code == screen)
        )
        if known is None:
            raise NotFound(f"The station has no screen {screen!r}.", slug="unknown-screen")
    await stage(
        session,
        OUTBOX,
        events.work_scanned(
            station_id,
            WorkScanned(exhibition_code=exhibition, work_code=work, screen_code=screen, scanned_at=at),
        ),
    )
    await session.commit()
