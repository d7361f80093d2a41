"""The operators' disruption rules, and the disruptions placed again when they change."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.outbox import stage
from kernel.pagination import PageRequest, page_of_rows
from services.info_kiosk.departures import domain, events
from services.info_kiosk.departures.models import Disruption, DisruptionRule
from services.info_kiosk.departures.schemas import RuleCreate, RuleUpdate
from services.info_kiosk.models import OUTBOX


def _rules(rows: Sequence[DisruptionRule]) -> list[domain.Rule]:
    return [domain.Rule(r.code, r.priority, r.lines, r.stops, r.severities, r.reach) for r in rows]


async def rules_of(session: AsyncSession, station_id: str) -> list[domain.Rule]:
    rows = (
        await session.scalars(select(DisruptionRule).where(DisruptionRule.station_id == station_id))
    ).all()
    return _rules(rows)


async def page_rules(
    *, session: AsyncSession, station_id: str, page: PageRequest, reach: str | None = None
) -> tuple[list[DisruptionRule], str | None]:
    query = select(DisruptionRule).where(DisruptionRule.station_id == station_id)
    if reach is not None:
        query = query.where(DisruptionRule.reach == reach)
    return await page_of_rows(session, query, [DisruptionRule.code], page)


async def get_rule(*, session: AsyncSession, station_id: str, code: str) -> DisruptionRule:
    return await one_or_404(
        session, DisruptionRule, "unknown-disruption-rule", station_id=station_id, code=code
    )


async def create_rule(*, session: AsyncSession, station_id: str, rule_in: RuleCreate) -> DisruptionRule:
    rule = DisruptionRule(id=uuid.uuid4().hex, station_id=station_id, **rule_in.model_dump())
    session.add(rule)
    await session.flush()
    await replace_disruptions(session, station_id)
    await session.commit()
    return rule


async def update_rule(
    *, session: AsyncSession, station_id: str, code: str, rule_in: RuleUpdate
) -> DisruptionRule:
    rule = await get_rule(session=session, station_id=station_id, code=code)
    for name, value in rule_in.model_dump(exclude_unset=True).items():
        setattr(rule, name, value)
    await session.flush()
    await replace_disruptions(session, station_id)
    await session.commit()
    return rule


async def delete_rule(*, session: AsyncSession, station_id: str, code: str) -> None:
    rule = await get_rule(session=session, station_id=station_id, code=code)
    await session.delete(rule)
    await session.flush()
    await replace_disruptions(session, station_id)
    await session.commit()


async def replace_disruptions(session: AsyncSession, station_id: str) -> None:
    """The rules changed: each disruption that holds goes where they now place it (an event for
    those whose shown reach changes)."""
    rules = await rules_of(session, station_id)
    active = (
        await session.scalars(
            select(Disruption).where(Disruption.station_id == station_id, Disruption.cleared_at.is_(None))
        )
    ).all()
    for disruption in active:
        reach = domain.reach_of(
            rules, lines=disruption.lines, stops=disruption.stops, severity=disruption.severity
        )
        if reach != disruption.rule_reach:
            disruption.rule_reach = reach
            disruption.updated_at = utcnow()
            if disruption.override_reach is None:
                await stage(session, OUTBOX, events.disruption_raised(disruption))
