"""Exhibitions' routes: the station's visits and the operator's answer; a work as the app shows it
(public), and the scans of its QR code (public)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query, status

from kernel.db import utcnow
from kernel.deps import SessionDep, StationId
from kernel.i18n import LANGUAGE_TAG_PATTERN, parse_accept_language
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import SIGNAGE
from services.signage.deps import Operator, PageDep
from services.signage.exhibitions import visits, work_page
from services.signage.exhibitions.domain import AnswerState
from services.signage.exhibitions.schemas import (
    ExhibitionWorkPage,
    ScanIn,
    ScanRecorded,
    VisitAnswerIn,
    VisitPublic,
)

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])

ExhibitionPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="e.g. expo-lignes")]
WorkPath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="e.g. quai-a-l-aube")]
VisitPath = Annotated[
    str,
    Path(
        min_length=10,
        max_length=40,
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9]{2}:[0-9]{2}))?$",
        description="The visit's code (its first day, YYYY-MM-DD) or its exact start (ISO 8601)",
    ),
]
UNKNOWN_VISIT = "`unknown-exhibition`, `unknown-visit`: no such exhibition or visit here."
UNKNOWN_WORK = "`unknown-exhibition`, `unknown-work`: not here, or outside the work's rights now."


@router.get(
    "/visits", summary="The exhibitions' visits of the station, in time order (current and coming by default)"
)
async def list_visits(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    page: PageDep,
    when: Annotated[
        list[Literal["current", "coming", "past"]] | None,
        Query(description="Phases to list; repeat the parameter for several. Default: current, coming"),
    ] = None,
    answer: Annotated[AnswerState | None, Query(description="Only visits with this answer")] = None,
) -> Page[VisitPublic]:
    items, next_cursor = await visits.page_visits(
        session=session, station_id=station_id, page=page, phases=when or ["current", "coming"], answer=answer
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/visits/{exhibition}/{visit}",
    summary="One visit of the station",
    responses=problem_responses({404: UNKNOWN_VISIT}),
)
async def get_visit(
    station_id: StationId, exhibition: ExhibitionPath, visit: VisitPath, session: SessionDep, _: Operator
) -> VisitPublic:
    row, stored = await visits.find_visit(
        session=session, station_id=station_id, exhibition=exhibition, visit=visit
    )
    return visits.visit_public(row, stored, utcnow())


@router.post(
    "/visits/{exhibition}/{visit}/answer",
    summary="Accept (on which screens) or decline a visit; the hub is told (visit.answered)",
    description=(
        "May be answered again until the visit ends: the last answer holds. An accepted visit plays "
        "its works, within their rights, in the content rotation of the screens it targets (every "
        "screen when `targets` is empty), by the station's schedules."
    ),
    responses=problem_responses(
        {404: UNKNOWN_VISIT, 409: "`visit-closed`: over, removed from the tour, or retired."}, 422
    ),
)
async def answer_visit(
    station_id: StationId,
    exhibition: ExhibitionPath,
    visit: VisitPath,
    answer_in: VisitAnswerIn,
    session: SessionDep,
    _: Operator,
) -> VisitPublic:
    return await visits.answer_visit(
        session=session, station_id=station_id, exhibition=exhibition, visit=visit, answer_in=answer_in
    )


@router.get(
    "/works/{exhibition}/{work}",
    summary="A work as a visitor opens it from a screen's QR code (public): texts in the asked language",
    responses=problem_responses({404: UNKNOWN_WORK}, 422),
)
async def get_work(
    station_id: StationId,
    exhibition: ExhibitionPath,
    work: WorkPath,
    session: SessionDep,
    lang: Annotated[
        str | None,
        Query(max_length=35, pattern=LANGUAGE_TAG_PATTERN, description="BCP 47; else Accept-Language"),
    ] = None,
    accept_language: Annotated[str | None, Header(description="Used when `lang` is not given")] = None,
) -> ExhibitionWorkPage:
    languages = [lang] if lang else parse_accept_language(accept_language)
    return await work_page.work_page(
        session=session,
        station_id=station_id,
        exhibition=exhibition,
        work=work,
        languages=languages or ["fr"],
    )


@router.post(
    "/works/{exhibition}/{work}/scans",
    status_code=status.HTTP_202_ACCEPTED,
    summary="A visitor opened the work from a screen's QR code (public); the hub is told (work.scanned)",
    responses=problem_responses({404: UNKNOWN_WORK + " `unknown-screen`."}, 422),
)
async def record_scan(
    station_id: StationId, exhibition: ExhibitionPath, work: WorkPath, scan: ScanIn, session: SessionDep
) -> ScanRecorded:
    await work_page.record_scan(
        session=session, station_id=station_id, exhibition=exhibition, work=work, screen=scan.screen
    )
    return ScanRecorded()
