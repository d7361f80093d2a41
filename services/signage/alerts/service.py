"""Alerts: raised over the targeted screens, acknowledged by their players, cleared or expired."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import InvalidInput
from kernel.hot_reads import mark_changed
from kernel.i18n import pick
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from kernel.tasks import item_alone
from services.signage import events
from services.signage.alerts import domain
from services.signage.invalidation import PLAYLISTS
from services.signage.models import OUTBOX, Alert, AlertAck, Screen
from services.signage.schemas import AlertCreate
from services.signage.screens.service import facts_of, list_screens, targets_of

# The name of the sweeper's loop in logs and in gare_loop_item_failures_total.
SWEEP_LOOP = "signage-sweeper"


async def raise_alert(*, session: AsyncSession, station_id: str, alert_in: AlertCreate) -> Alert:
    """Put an alert on the targeted screens at once, and publish alert.raised."""
    now = utcnow()
    problems = domain.alert_problems(texts=alert_in.texts, raised_at=now, expires_at=alert_in.expires_at)
    if problems:
        raise InvalidInput.from_problems("The alert cannot be raised; see `errors`.", problems)
    alert = Alert(
        station_id=station_id,
        severity=alert_in.severity,
        texts=alert_in.texts,
        targets=alert_in.targets.model_dump(),
        raised_at=now,
        expires_at=alert_in.expires_at,
    )
    session.add(alert)
    await session.flush()
    await stage(session, OUTBOX, events.alert_raised(alert))
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return alert


def _active(at: datetime) -> ColumnElement[bool]:
    return and_(Alert.cleared_at.is_(None), or_(Alert.expires_at.is_(None), Alert.expires_at > at))


async def list_alerts(*, session: AsyncSession, station_id: str, active_only: bool) -> Sequence[Alert]:
    query = select(Alert).where(Alert.station_id == station_id)
    if active_only:
        query = query.where(_active(utcnow()))
    return (await session.scalars(query.order_by(Alert.raised_at.desc()).limit(200))).all()


async def page_alerts(
    *, session: AsyncSession, station_id: str, active_only: bool, page: PageRequest
) -> tuple[list[Alert], str | None]:
    """One page of the station's alerts, newest first (only those on screens now, if asked)."""
    statement = select(Alert).where(Alert.station_id == station_id)
    if active_only:
        statement = statement.where(_active(utcnow()))
    return await page_of_rows(session, statement, [Alert.raised_at, Alert.id], page, descending=True)


async def clear_alert(*, session: AsyncSession, station_id: str, alert_id: str) -> Alert:
    """Take an alert off the screens (they go back to their schedule) and publish alert.cleared."""
    alert = await one_or_404(session, Alert, "unknown-alert", station_id=station_id, id=alert_id)
    if alert.cleared_at is not None:
        return alert  # clearing twice is harmless
    alert.cleared_at = utcnow()
    await stage(session, OUTBOX, events.alert_cleared(alert))
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return alert


async def screens_reached(
    *, session: AsyncSession, station_id: str, targets: dict[str, list[str]]
) -> list[str]:
    """The codes of the station's screens that targets reach (all empty: every screen)."""
    wanted = targets_of(targets)
    return [
        s.code
        for s in await list_screens(session=session, station_id=station_id)
        if wanted.include(facts_of(s))
    ]


async def alert_status(*, session: AsyncSession, alert: Alert) -> tuple[list[str], dict[str, datetime]]:
    """The screens an alert targets, and those whose player showed it."""
    targeted = await screens_reached(session=session, station_id=alert.station_id, targets=alert.targets)
    acks = {
        ack.screen_code: ack.acknowledged_at
        for ack in await session.scalars(select(AlertAck).where(AlertAck.alert_id == alert.id))
    }
    return targeted, acks


async def acknowledge_alert(*, session: AsyncSession, screen: Screen, alert_id: str) -> None:
    """The screen's player showed the alert; saying so twice keeps the first time."""
    await one_or_404(session, Alert, "unknown-alert", station_id=screen.station_id, id=alert_id)
    if await session.get(AlertAck, (alert_id, screen.code)) is not None:
        return
    session.add(AlertAck(alert_id=alert_id, screen_code=screen.code, acknowledged_at=utcnow()))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()  # acknowledged meanwhile by a retry of the same player


def alert_of(alert: Alert) -> domain.Alert:
    return domain.Alert(
        id=alert.id,
        severity=alert.severity,
        texts=alert.texts,
        targets=targets_of(alert.targets),
        raised_at=alert.raised_at,
        expires_at=alert.expires_at,
        cleared_at=alert.cleared_at,
    )


async def active_alerts(*, session: AsyncSession, station_id: str) -> list[domain.Alert]:
    return [alert_of(a) for a in await list_alerts(session=session, station_id=station_id, active_only=True)]


def shown_alert(alert: domain.Alert, languages: list[str]) -> dict[str, Any]:
    language, text = pick(alert.texts, languages) or ("", "")
    return {
        "id": alert.id,
        "severity": alert.severity,
        "language": language,
        "text": text,
        "texts": dict(alert.texts),
        "raised_at": alert.raised_at,
        "expires_at": alert.expires_at,
    }


async def clear_expired_alerts(*, session: AsyncSession, station_id: str, at: datetime) -> list[str]:
    """Clear the alerts whose expiry has passed, each once across replicas, with alert.cleared.
    Each alert alone: one that cannot be cleared is recorded and the others still are."""
    due = (
        await session.scalars(
            select(Alert.id).where(
                Alert.station_id == station_id, Alert.cleared_at.is_(None), Alert.expires_at <= at
            )
        )
    ).all()
    cleared = []
    for alert_id in due:
        async with item_alone(SWEEP_LOOP, f"alert {alert_id}", session=session):
            alert = await session.get_one(Alert, alert_id)
            assert alert.expires_at is not None
            # Conditional: another replica's sweep may have cleared it meanwhile.
            result = await session.execute(
                update(Alert)
                .where(Alert.id == alert.id, Alert.cleared_at.is_(None))
                .values(cleared_at=alert.expires_at)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                alert.cleared_at = alert.expires_at
                await stage(session, OUTBOX, events.alert_cleared(alert))
                mark_changed(session, station_id, PLAYLISTS)
                await session.commit()
                cleared.append(alert.id)
    await session.commit()
    return cleared
