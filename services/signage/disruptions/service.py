"""Disruptions on screens: info_kiosk's disruption events become signage alerts (with their source)
or ticker lines, and leave the screens when the disruption clears."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts.kiosk import DisruptionCleared, DisruptionRaised
from kernel.db import utcnow
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from services.signage import events
from services.signage.disruptions import domain
from services.signage.invalidation import PLAYLISTS
from services.signage.layouts.domain import TickerItem
from services.signage.models import OUTBOX, Alert, Disruption


async def _active_alert(session: AsyncSession, stored: Disruption) -> Alert | None:
    if stored.alert_id is None:
        return None
    alert = await session.get(Alert, stored.alert_id)
    return alert if alert is not None and alert.cleared_at is None else None


async def _place(
    session: AsyncSession, stored: Disruption, description: dict[str, str], at: datetime
) -> None:
    """Raise, update or clear the disruption's alert so the screens show what its reach says."""
    placement = domain.shown(
        reach=stored.reach,
        texts=stored.texts,
        description=description,
        cleared=stored.cleared_at is not None,
        until=stored.until,
        at=at,
    )
    alert = await _active_alert(session, stored)
    if placement.placement == "alert":
        severity = domain.alert_severity(stored.severity)
        if alert is None:
            alert = Alert(
                station_id=stored.station_id,
                severity=severity,
                texts=dict(placement.texts),
                targets={},
                raised_at=at,
                expires_at=stored.until,
                source=domain.alert_source(stored.disruption_id),
            )
            session.add(alert)
            await session.flush()
            stored.alert_id = alert.id
            await stage(session, OUTBOX, events.alert_raised(alert))
        else:
            alert.severity, alert.texts, alert.expires_at = severity, dict(placement.texts), stored.until
    elif alert is not None:
        alert.cleared_at = at
        await stage(session, OUTBOX, events.alert_cleared(alert))
    mark_changed(session, stored.station_id, PLAYLISTS)


async def record_disruption(
    *, session: AsyncSession, station_id: str, disruption: DisruptionRaised, at: datetime
) -> None:
    """The last word on a disruption (sent at `at`); the caller commits."""
    stored = await session.get(Disruption, (station_id, disruption.disruption_id))
    if not domain.applies(stored_at=stored.updated_at if stored else None, event_at=at):
        return
    if stored is None:
        stored = Disruption(station_id=station_id, disruption_id=disruption.disruption_id)
        session.add(stored)
    stored.severity = disruption.severity
    stored.reach = disruption.reach
    stored.texts = dict(disruption.text)
    stored.lines = list(disruption.lines)
    stored.raised_at = disruption.raised_at
    stored.until = disruption.until
    stored.cleared_at = None
    stored.updated_at = at
    await _place(session, stored, dict(disruption.description), utcnow())


async def record_clearance(
    *, session: AsyncSession, station_id: str, cleared: DisruptionCleared, at: datetime
) -> None:
    """The disruption is over: its alert or ticker line leaves the screens; the caller commits. A
    clearance that arrives before its disruption is kept, so the late disruption stays off."""
    stored = await session.get(Disruption, (station_id, cleared.disruption_id))
    if not domain.applies(stored_at=stored.updated_at if stored else None, event_at=at):
        return
    if stored is None:
        stored = Disruption(
            station_id=station_id,
            disruption_id=cleared.disruption_id,
            severity="info",
            reach="none",
            texts={},
            lines=[],
            raised_at=cleared.cleared_at,
        )
        session.add(stored)
    stored.cleared_at = cleared.cleared_at
    stored.updated_at = at
    await _place(session, stored, {}, utcnow())


async def ticker_items(*, session: AsyncSession, station_id: str, at: datetime) -> list[TickerItem]:
    """The disruptions the station's rules put on the ticker, current now."""
    rows = await session.scalars(
        select(Disruption).where(
            Disruption.station_id == station_id,
            Disruption.reach == "ticker",
            Disruption.cleared_at.is_(None),
            or_(Disruption.until.is_(None), Disruption.until > at),
        )
    )
    return [
        TickerItem(
            id=row.disruption_id,
            source=domain.alert_source(row.disruption_id),
            severity=row.severity,
            texts=row.texts,
            raised_at=row.raised_at,
            lines=tuple(row.lines),
        )
        for row in rows
        if row.texts
    ]
