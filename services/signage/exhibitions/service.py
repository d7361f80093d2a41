"""Exhibitions at the station: the read model kept from the hub's config (mirror.py feeds it), the
operator's answer to a visit, the works that join the screens' rotation, a work as the app shows it,
and what the station tells the hub (answers, plays, scans) through the outbox."""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.culture import (
    ExhibitionPublished,
    VisitAnswered,
    Work,
    WorkPlays,
    WorkScanned,
    WorksPlayed,
)
from kernel.db import utcnow
from kernel.errors import Conflict, NotFound, Problem
from kernel.events import OutgoingEvent
from kernel.fetch import FetchError, GuardedFetcher
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from kernel.qr import qr_svg
from services.signage.exhibitions import domain, events
from services.signage.exhibitions.models import Exhibition, ExhibitionVisit, ExhibitionWork
from services.signage.exhibitions.schemas import (
    ArtistPublic,
    ExhibitionWorkPage,
    TourStop,
    VisitAnswerIn,
    VisitPublic,
    WorkPublic,
    WorkSummary,
)
from services.signage.invalidation import PLAYLISTS
from services.signage.media.service import media_url, store_media
from services.signage.models import OUTBOX, Media, Screen
from services.signage.plays.domain import played_on
from services.signage.schemas import PlayRecord, TargetsPublic
from services.signage.screens.service import facts_of, targets_of

log = logging.getLogger(__name__)

# Hot-read tag of what shows exhibitions (the player documents are also marked PLAYLISTS).
EXHIBITIONS = "exhibitions"


# -- the mirror's read model ----------------------------------------------------------------------


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
        await _commit_change(session, station_id)
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
    await _commit_change(session, station_id)
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
        await _commit_change(session, station_id)
    return bool(gone)


async def _commit_change(session: AsyncSession, station_id: str) -> None:
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


async def _apply_visits(session: AsyncSession, station_id: str, published: ExhibitionPublished) -> None:
    stored = {
        v.starts_at: v
        for v in await session.scalars(
            select(ExhibitionVisit).where(
                ExhibitionVisit.station_id == station_id, ExhibitionVisit.exhibition_code == published.code
            )
        )
    }
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
        rows = {
            v.starts_at: v
            for v in await session.scalars(
                select(ExhibitionVisit).where(
                    ExhibitionVisit.station_id == station_id, ExhibitionVisit.exhibition_code == exhibition
                )
            )
        }
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
        await _commit_change(session, station_id)
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
    await _commit_change(session, station_id)
    return problem is None


# -- visits ---------------------------------------------------------------------------------------


def _phase_filter(phases: Iterable[str], at: datetime) -> Any:
    parts = []
    for phase in phases:
        if phase == "coming":
            parts.append(ExhibitionVisit.starts_at > at)
        elif phase == "current":
            parts.append((ExhibitionVisit.starts_at <= at) & (ExhibitionVisit.ends_at > at))
        else:
            parts.append(ExhibitionVisit.ends_at <= at)
    return or_(*parts)


async def page_visits(
    *,
    session: AsyncSession,
    station_id: str,
    page: PageRequest,
    phases: Sequence[str],
    answer: str | None,
) -> tuple[list[VisitPublic], str | None]:
    """The station's visits in time order, by phase (current, coming, past) and answer."""
    at = utcnow()
    statement = select(ExhibitionVisit).where(
        ExhibitionVisit.station_id == station_id, _phase_filter(phases, at)
    )
    if answer is not None:
        statement = statement.where(ExhibitionVisit.answer == answer)
    rows, next_cursor = await page_of_rows(
        session, statement, [ExhibitionVisit.starts_at, ExhibitionVisit.exhibition_code], page
    )
    exhibitions = await _exhibitions(session, station_id, {r.exhibition_code for r in rows})
    return [visit_public(r, exhibitions[r.exhibition_code], at) for r in rows], next_cursor


async def _exhibitions(session: AsyncSession, station_id: str, codes: set[str]) -> dict[str, Exhibition]:
    if not codes:
        return {}
    return {
        e.code: e
        for e in await session.scalars(
            select(Exhibition).where(Exhibition.station_id == station_id, Exhibition.code.in_(codes))
        )
    }


def visit_public(row: ExhibitionVisit, exhibition: Exhibition, at: datetime) -> VisitPublic:
    published = ExhibitionPublished.model_validate(exhibition.document)
    return VisitPublic(
        exhibition=row.exhibition_code,
        code=domain.visit_code(row.starts_at),
        title=published.title,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        phase=domain.phase(row.starts_at, row.ends_at, at),
        answer=row.answer,  # type: ignore[arg-type]  # written from the Answer literal
        answered_at=row.answered_at,
        targets=TargetsPublic(**row.targets),
        works=len(published.works),
        artists=[a.name for a in published.artists],
        playable=not (row.removed or exhibition.retired),
    )


async def find_visit(
    *, session: AsyncSession, station_id: str, exhibition: str, visit: str
) -> tuple[ExhibitionVisit, Exhibition]:
    """A visit by its code (its first day, YYYY-MM-DD) or its exact start (an ISO 8601 date-time)."""
    stored = await session.get(Exhibition, (station_id, exhibition))
    if stored is None:
        raise NotFound(f"No exhibition {exhibition!r} visits this station.", slug="unknown-exhibition")
    rows = (
        await session.scalars(
            select(ExhibitionVisit).where(
                ExhibitionVisit.station_id == station_id, ExhibitionVisit.exhibition_code == exhibition
            )
        )
    ).all()
    try:
        starts_at = datetime.fromisoformat(visit) if "T" in visit.upper() else None
    except ValueError:
        starts_at = None
    if starts_at is not None and starts_at.tzinfo is not None:
        found = [r for r in rows if r.starts_at == starts_at]
    else:
        found = [r for r in rows if domain.visit_code(r.starts_at) == visit]
    if not found:
        raise NotFound(f"Exhibition {exhibition!r} has no visit {visit!r} here.", slug="unknown-visit")
    if len(found) > 1:
        raise Conflict(
            f"Two visits of {exhibition!r} start on {visit}: name one by its start (ISO 8601).",
            slug="conflict",
        )
    return found[0], stored


async def answer_visit(
    *, session: AsyncSession, station_id: str, exhibition: str, visit: str, answer_in: VisitAnswerIn
) -> VisitPublic:
    """Accept or decline a visit (again, until it ends): saved, and told to the hub (outbox)."""
    row, stored = await find_visit(session=session, station_id=station_id, exhibition=exhibition, visit=visit)
    at = utcnow()
    problem = domain.answer_problem(ends_at=row.ends_at, removed=row.removed, retired=stored.retired, at=at)
    if problem:
        raise Conflict(problem, slug="visit-closed")
    row.answer = answer_in.answer
    row.answered_at = at
    row.targets = answer_in.targets.model_dump() if answer_in.answer == "accepted" else {}
    await stage(
        session,
        OUTBOX,
        events.visit_answered(
            station_id,
            VisitAnswered(
                exhibition_code=exhibition, starts_at=row.starts_at, answer=answer_in.answer, answered_at=at
            ),
        ),
    )
    await _commit_change(session, station_id)
    return visit_public(row, stored, at)


# -- what the screens play -------------------------------------------------------------------------


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
        c: e for c, e in (await _exhibitions(session, station_id, set(codes))).items() if not e.retired
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


# -- the work on the phone ---------------------------------------------------------------------------


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


# -- proof of play ------------------------------------------------------------------------------------


async def works_played(
    *, session: AsyncSession, screen: Screen, records: Sequence[PlayRecord]
) -> list[OutgoingEvent]:
    """WorksPlayed events for the exhibition works among a batch's new plays (one per day it spans)."""
    ids = {r.content_item_id for r in records}
    if not ids:
        return []
    works = {
        w.content_item_id: w
        for w in await session.scalars(
            select(ExhibitionWork).where(
                ExhibitionWork.station_id == screen.station_id, ExhibitionWork.content_item_id.in_(ids)
            )
        )
    }
    by_day: dict[str, dict[str, list[PlayRecord]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if record.content_item_id in works:
            by_day[played_on(record.started_at).isoformat()][record.content_item_id].append(record)
    at = utcnow()
    return [
        events.works_played(
            screen.station_id,
            WorksPlayed(
                screen_code=screen.code,
                day=day,
                works=[
                    WorkPlays(
                        work_code=works[item].code,
                        exhibition_code=works[item].exhibition_code,
                        artist=works[item].artist,
                        plays=len(plays),
                        seconds=float(sum(p.duration_seconds for p in plays)),
                    )
                    for item, plays in sorted(played.items())
                ],
                reported_at=at,
            ),
        )
        for day, played in sorted(by_day.items())
    ]
