"""The station's disruptions: raised and cleared from the sources' messages, changed or silenced by
an operator, expired, forgotten after a week."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_items, page_of_rows
from services.info_kiosk.departures import domain, events, parsers
from services.info_kiosk.departures.models import DepartureSource, Disruption
from services.info_kiosk.departures.schemas import DisruptionPublic, DisruptionUpdate
from services.info_kiosk.departures.service.configuration import line_styles, station_stops
from services.info_kiosk.departures.service.rules import rules_of
from services.info_kiosk.models import OUTBOX


def disruption_public(d: Disruption) -> DisruptionPublic:
    if d.cleared_at is None:
        state = "active"
    elif d.cleared_by == "silenced":
        state = "silenced"
    else:
        state = "cleared"
    return DisruptionPublic.model_validate(
        {
            "id": d.id,
            "source_code": d.source_code,
            "source_ref": d.source_ref,
            "severity": d.severity,
            "reach": domain.shown_reach(rule_reach=d.rule_reach, override_reach=d.override_reach),
            "rule_reach": d.rule_reach,
            "state": state,
            "overridden": d.override_reach is not None or d.override_text is not None,
            "text": d.override_text or d.text,
            "description": d.description,
            "lines": d.lines,
            "stops": d.stops,
            "raised_at": d.raised_at,
            "until": d.until,
            "updated_at": d.updated_at,
            "cleared_at": d.cleared_at,
            "cleared_by": d.cleared_by,
        }
    )


async def page_disruptions(
    *,
    session: AsyncSession,
    station_id: str,
    page: PageRequest,
    state: str = "active",
    source: str | None = None,
    line: str | None = None,
) -> tuple[list[Disruption], str | None]:
    """Newest first; `state` active (default), silenced, cleared (by the source or expired) or all."""
    query = select(Disruption).where(Disruption.station_id == station_id)
    if state == "active":
        query = query.where(Disruption.cleared_at.is_(None))
    elif state == "silenced":
        query = query.where(Disruption.cleared_by == "silenced")
    elif state == "cleared":
        query = query.where(Disruption.cleared_at.is_not(None), Disruption.cleared_by != "silenced")
    if source is not None:
        query = query.where(Disruption.source_code == source)
    if line is None:
        return await page_of_rows(
            session, query, [Disruption.raised_at, Disruption.id], page, descending=True
        )
    # Lines are a JSON list: filtered in memory, over what the other filters kept.
    rows = [d for d in (await session.scalars(query)).all() if line in d.lines]
    return page_of_items(rows, lambda d: (d.raised_at, d.id), page, descending=True)


async def update_disruption(
    *, session: AsyncSession, station_id: str, disruption_id: str, update: DisruptionUpdate
) -> Disruption:
    d = await one_or_404(session, Disruption, "unknown-disruption", station_id=station_id, id=disruption_id)
    changes = update.model_dump(exclude_unset=True)
    now = utcnow()
    if d.cleared_at is not None and d.cleared_by != "silenced":
        raise Conflict(
            f"Disruption {disruption_id!r} was cleared by its source ({d.cleared_by}); there is nothing to change.",
            slug="disruption-cleared",
        )
    if "reach" in changes:
        d.override_reach = changes["reach"]
    if "text" in changes:
        d.override_text = changes["text"]
    silenced = changes.get("silenced")
    if silenced is True and d.cleared_at is None:
        d.silenced, d.cleared_at, d.cleared_by = True, now, "silenced"
        await stage(session, OUTBOX, events.disruption_cleared(d, now))
    elif silenced is False and d.cleared_by == "silenced":
        d.silenced, d.cleared_at, d.cleared_by = False, None, None
        await stage(session, OUTBOX, events.disruption_raised(d))
    elif d.cleared_at is None and ({"reach", "text"} & changes.keys()):
        await stage(session, OUTBOX, events.disruption_raised(d))
    d.updated_at = now
    await session.commit()
    return d


async def disruptions_of(session: AsyncSession, station_id: str, source_code: str) -> Sequence[Disruption]:
    return (
        await session.scalars(
            select(Disruption).where(
                Disruption.station_id == station_id, Disruption.source_code == source_code
            )
        )
    ).all()


async def reconcile_messages(
    session: AsyncSession, source: DepartureSource, messages: Sequence[parsers.MessageRecord], now: datetime
) -> None:
    """The source's messages that hold now become the station's disruptions: a new one is raised,
    a changed one raised again, one it no longer sends is cleared. One an operator silenced stays so
    while its source sends it."""
    stops, styles = station_stops(source), line_styles(source)
    rules = await rules_of(session, source.station_id)
    known = {d.source_ref: d for d in await disruptions_of(session, source.station_id, source.code)}
    seen = set()
    for message in messages:
        if not domain.concerns_station(
            stop_refs=message.stop_refs, line_refs=message.line_refs, stops=stops, lines=styles
        ):
            continue
        seen.add(message.ref)
        lines = domain.mapped_lines(message.line_refs, styles)
        stop_codes = domain.mapped_stops(message.stop_refs, stops)
        values = {
            "severity": message.severity,
            "lines": lines,
            "stops": stop_codes,
            "text": message.text,
            "description": message.description,
            "until": message.until,
            "rule_reach": domain.reach_of(rules, lines=lines, stops=stop_codes, severity=message.severity),
        }
        d = known.get(message.ref)
        if d is None:
            d = Disruption(
                id=uuid.uuid4().hex,
                station_id=source.station_id,
                source_code=source.code,
                source_ref=message.ref,
                override_reach=None,
                override_text=None,
                silenced=False,
                raised_at=now,
                updated_at=now,
                cleared_at=None,
                cleared_by=None,
                **values,
            )
            session.add(d)
            await session.flush()
            await stage(session, OUTBOX, events.disruption_raised(d))
            continue
        changed = any(getattr(d, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(d, name, value)
        if d.cleared_by == "silenced":
            if changed:
                d.updated_at = now
            continue  # the operator's word holds while the source sends it
        if d.cleared_at is not None:  # back after its source had cleared it
            d.cleared_at, d.cleared_by, d.raised_at = None, None, now
            d.override_reach, d.override_text = None, None
            changed = True
        if changed:
            d.updated_at = now
            await stage(session, OUTBOX, events.disruption_raised(d))
    for ref, d in known.items():
        if ref in seen:
            continue
        if d.cleared_at is None:
            d.cleared_at, d.cleared_by, d.updated_at = now, "source", now
            await stage(session, OUTBOX, events.disruption_cleared(d, now))
        elif d.cleared_by == "silenced":
            d.cleared_by, d.updated_at = "source", now  # its source cleared it too: a return is news


async def clear_expired(*, session: AsyncSession, now: datetime) -> int:
    """Disruptions past their `until` are cleared (their source may never say so)."""
    expired = (
        await session.scalars(
            select(Disruption).where(
                Disruption.cleared_at.is_(None), Disruption.until.is_not(None), Disruption.until <= now
            )
        )
    ).all()
    for d in expired:
        d.cleared_at, d.cleared_by, d.updated_at = now, "expired", now
        await stage(session, OUTBOX, events.disruption_cleared(d, now))
    if expired:
        await session.commit()
    return len(expired)


async def forget_cleared(*, session: AsyncSession, before: datetime) -> int:
    """Disruptions cleared before `before` are deleted: the list keeps a week of history, not all of it."""
    old = (
        await session.scalars(
            select(Disruption).where(Disruption.cleared_at.is_not(None), Disruption.cleared_at < before)
        )
    ).all()
    for d in old:
        await session.delete(d)
    if old:
        await session.commit()
    return len(old)
