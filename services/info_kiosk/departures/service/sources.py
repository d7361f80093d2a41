"""The operators' departure sources: listed, read, created, changed, deleted."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from services.info_kiosk.departures import events
from services.info_kiosk.departures.models import DepartureSource
from services.info_kiosk.departures.schemas import SourceCreate, SourceUpdate
from services.info_kiosk.departures.service.configuration import check_configuration
from services.info_kiosk.departures.service.disruptions import disruptions_of
from services.info_kiosk.models import OUTBOX
from services.info_kiosk.service.tags import DEPARTURES


async def page_sources(
    *, session: AsyncSession, station_id: str, page: PageRequest, kind: str | None = None
) -> tuple[list[DepartureSource], str | None]:
    query = select(DepartureSource).where(DepartureSource.station_id == station_id)
    if kind is not None:
        query = query.where(DepartureSource.kind == kind)
    return await page_of_rows(session, query, [DepartureSource.code], page)


async def get_source(*, session: AsyncSession, station_id: str, code: str) -> DepartureSource:
    return await one_or_404(
        session, DepartureSource, "unknown-departure-source", station_id=station_id, code=code
    )


async def create_source(
    *, session: AsyncSession, station_id: str, source_in: SourceCreate
) -> DepartureSource:
    values = source_in.model_dump()
    check_configuration(values["stops"], values["lines"])
    source = DepartureSource(
        id=uuid.uuid4().hex,
        station_id=station_id,
        departures=[],
        validators={},
        item_problems=[],
        failure=None,
        **values,
    )
    session.add(source)
    mark_changed(session, station_id, DEPARTURES)
    await session.commit()
    return source


async def update_source(
    *, session: AsyncSession, station_id: str, code: str, source_in: SourceUpdate
) -> DepartureSource:
    source = await get_source(session=session, station_id=station_id, code=code)
    changes = source_in.model_dump(exclude_unset=True)
    check_configuration(changes.get("stops", source.stops), changes.get("lines", source.lines))
    for name, value in changes.items():
        setattr(source, name, value)
    if {"stops", "lines"} & changes.keys():
        # What is kept was filtered and mapped by the old ones: the next pull reads the feed whole.
        source.validators, source.next_attempt_at = {}, None
    if {"kind", "url", "messages_url"} & changes.keys():
        # Another feed: what the last one said no longer holds; pull the new one at once.
        source.departures, source.validators, source.item_problems = [], {}, []
        source.failure, source.last_success_at, source.next_attempt_at = None, None, None
    elif "poll_seconds" in changes or "enabled" in changes:
        source.next_attempt_at = None
    mark_changed(session, station_id, DEPARTURES)
    await session.commit()
    return source


async def delete_source(*, session: AsyncSession, station_id: str, code: str) -> None:
    """The source goes, and the disruptions it raised are cleared with it."""
    source = await get_source(session=session, station_id=station_id, code=code)
    now = utcnow()
    for disruption in await disruptions_of(session, station_id, source.code):
        if disruption.cleared_at is None:
            await stage(session, OUTBOX, events.disruption_cleared(disruption, now))
        await session.delete(disruption)
    await session.delete(source)
    mark_changed(session, station_id, DEPARTURES)
    await session.commit()
