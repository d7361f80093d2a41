"""Equipment out of service: stored with who said it and until when; routes avoid it at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404, utcnow
from kernel.errors import InvalidInput
from kernel.outbox import stage
from services.info_kiosk import events
from services.info_kiosk.domain import graph_rules
from services.info_kiosk.models import OUTBOX, EquipmentOutage, Level, Place
from services.info_kiosk.service.station_graph import graph_changed


async def set_equipment_status(
    *,
    session: AsyncSession,
    station_id: str,
    place_code: str,
    status: str,
    reason: str | None,
    until: datetime | None,
    reported_by: str,
) -> tuple[Place, EquipmentOutage | None]:
    """Put a lift, escalator or gate out of service or back; routing avoids it from the commit on."""
    place = await one_or_404(session, Place, "not-found", station_id=station_id, code=place_code)
    if place.kind not in graph_rules.EQUIPMENT_KINDS:
        raise InvalidInput(
            f"{place_code!r} is a {place.kind}, not equipment that can be out of service "
            f"({', '.join(sorted(graph_rules.EQUIPMENT_KINDS))}).",
            errors=[{"in": "path", "field": "place_code", "detail": "not equipment"}],
        )
    outage = await session.get(EquipmentOutage, (station_id, place_code))
    now = utcnow()
    if status == "out_of_service":
        if outage is None:
            outage = EquipmentOutage(station_id=station_id, place_code=place_code, reported_by=reported_by)
            session.add(outage)
        outage.reason, outage.until, outage.reported_by, outage.changed_at = reason, until, reported_by, now
    elif outage is not None:
        await session.delete(outage)
        outage = None
    level = await session.scalar(
        select(Level).where(Level.station_id == station_id, Level.code == place.level_code)
    )
    await stage(
        session,
        OUTBOX,
        events.equipment_status_changed(
            place=place,
            level_index=int(level.index) if level else 0,
            status=status,
            reason=reason,
            until=until,
            changed_at=now,
        ),
    )
    await graph_changed(session, station_id, structure=False)
    await session.commit()
    return place, outage
