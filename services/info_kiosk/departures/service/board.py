"""The departures read: the boards of the station's enabled sources."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.info_kiosk.departures import domain, parsers
from services.info_kiosk.departures.models import DepartureSource
from services.info_kiosk.departures.schemas import DeparturesPublic
from services.info_kiosk.departures.service.configuration import line_styles, state_of, station_stops


async def departures_view(
    *, session: AsyncSession, station_id: str, filters: domain.Filters, now: datetime
) -> DeparturesPublic:
    sources = (
        await session.scalars(
            select(DepartureSource)
            .where(DepartureSource.station_id == station_id, DepartureSource.enabled)
            .order_by(DepartureSource.code)
        )
    ).all()
    data = [
        domain.SourceData(
            stops=station_stops(s),
            lines=line_styles(s),
            departures=[parsers.as_record(d) for d in s.departures],
        )
        for s in sources
    ]
    return DeparturesPublic.model_validate(
        {
            "station_id": station_id,
            "generated_at": max((s.last_success_at for s in sources if s.last_success_at), default=None),
            "boards": domain.boards(data, now=now, filters=filters),
            "sources": [
                {"code": s.code, "state": state_of(s, now), "updated_at": s.last_success_at} for s in sources
            ],
        }
    )
