"""Proof of play of the exhibitions' works: what the station tells the hub of its screens' plays."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.culture import WorkPlays, WorksPlayed
from kernel.db import utcnow
from kernel.events import OutgoingEvent
from services.signage.exhibitions import events
from services.signage.exhibitions.models import ExhibitionWork
from services.signage.models import Screen
from services.signage.plays.domain import played_on
from services.signage.schemas import PlayRecord


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
