"""The exhibitions' visits of the station, and the operator's answer to one (told to the hub)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.culture import ExhibitionPublished, VisitAnswered
from kernel.db import utcnow
from kernel.errors import Conflict, NotFound
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from services.signage.exhibitions import domain, events
from services.signage.exhibitions.models import Exhibition, ExhibitionVisit
from services.signage.exhibitions.read_model import commit_change, exhibitions_by_code, visits_by_start
from services.signage.exhibitions.schemas import VisitAnswerIn, VisitPublic
from services.signage.models import OUTBOX
from services.signage.schemas import TargetsPublic


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
    exhibitions = await exhibitions_by_code(session, station_id, {r.exhibition_code for r in rows})
    return [visit_public(r, exhibitions[r.exhibition_code], at) for r in rows], next_cursor


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
    rows = (await visits_by_start(session, station_id, exhibition)).values()
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
    await commit_change(session, station_id)
    return visit_public(row, stored, at)
