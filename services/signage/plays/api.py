"""Proof of play's routes: the players' batches and the operators' report."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from kernel.deps import SessionDep, StationId
from kernel.errors import InvalidInput
from kernel.openapi import problem_responses
from kernel.pagination import Page, page_of_items
from kernel.registry import SIGNAGE
from kernel.stations import STATION_SLUG_PATTERN
from services.signage.deps import (
    NOT_ITS_PLAYER,
    UNKNOWN_SCREEN,
    CodePath,
    Operator,
    PageDep,
    Player,
    own_screen,
)
from services.signage.plays import service
from services.signage.schemas import PlayBatch, PlayBatchResult, PlayReportRow

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])


@router.post(
    "/screens/{code}/plays",
    summary="Proof of play: a batch of play records, each counted once however often it is sent",
    responses=problem_responses(
        {404: UNKNOWN_SCREEN, 403: NOT_ITS_PLAYER, 409: "`conflict`: sent meanwhile."}
    ),
)
async def record_plays(
    station_id: StationId, code: CodePath, batch: PlayBatch, session: SessionDep, player: Player
) -> PlayBatchResult:
    screen = await own_screen(session, station_id, code, player)
    accepted, duplicates = await service.record_plays(session=session, screen=screen, batch=batch)
    return PlayBatchResult(accepted=accepted, duplicates=duplicates)


@router.get(
    "/plays/report",
    summary="Plays and seconds per day (Europe/Paris), screen and content, in that order",
    responses=problem_responses(422),
)
async def play_report(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    page: PageDep,
    since: Annotated[date, Query(description="First day, YYYY-MM-DD")],
    until: Annotated[date, Query(description="Last day, YYYY-MM-DD")],
    screen: Annotated[str | None, Query(max_length=64, pattern=STATION_SLUG_PATTERN)] = None,
    region: Annotated[
        str | None,
        Query(max_length=32, pattern=r"^[a-z][a-z0-9-]*$", description="Plays in this layout region"),
    ] = None,
) -> Page[PlayReportRow]:
    if until < since or until - since > timedelta(days=366):
        raise InvalidInput(
            "A report covers one day to a year, `until` not before `since`.",
            errors=[{"in": "query", "field": "until", "detail": "from `since` to a year after it"}],
        )
    rows = await service.play_report(
        session=session, station_id=station_id, since=since, until=until, screen=screen, region=region
    )
    # The days, screens and contents of a report are few: its rows are summed once, then paged.
    items, next_cursor = page_of_items(rows, lambda row: (row.day, row.screen, row.content_item_id), page)
    return Page(items=items, next_cursor=next_cursor)
