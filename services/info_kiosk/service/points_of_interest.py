"""The points of interest: listed by station and category, added by operators (an event tells
the other services)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.errors import InvalidInput
from kernel.hot_reads import mark_changed
from kernel.outbox import stage
from services.info_kiosk import events
from services.info_kiosk.domain import directory
from services.info_kiosk.models import OUTBOX, PointOfInterest
from services.info_kiosk.schemas import PointOfInterestCreate
from services.info_kiosk.service.tags import POINTS_OF_INTEREST


async def list_points_of_interest(
    *, session: AsyncSession, station_id: str, category: str | None = None
) -> Sequence[PointOfInterest]:
    """The station's points of interest, of one category or all, from street level down."""
    query = select(PointOfInterest).where(PointOfInterest.station_id == station_id)
    if category is not None:
        query = query.where(PointOfInterest.category == category)
    query = query.order_by(PointOfInterest.level.desc(), PointOfInterest.category, PointOfInterest.id)
    return (await session.scalars(query)).all()


async def create_point_of_interest(
    *, session: AsyncSession, station_id: str, point_in: PointOfInterestCreate
) -> PointOfInterest:
    """Add a point of interest to the station's map and publish it."""
    problems = directory.point_of_interest_problems(names=point_in.names, descriptions=point_in.descriptions)
    if problems:
        raise InvalidInput.from_problems("The point of interest is inconsistent; see `errors`.", problems)
    point = PointOfInterest(id=uuid.uuid4().hex, station_id=station_id, **point_in.model_dump())
    session.add(point)
    await stage(session, OUTBOX, events.point_of_interest_published(point))
    mark_changed(session, station_id, POINTS_OF_INTEREST)
    await session.commit()
    return point
