"""parcel_lockers' periodic work: the sweep (expiry, reminders, doors left open), for every station
the process serves."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.background import Loop
from kernel.tasks import item_alone
from services.parcel_lockers.sweeps.service import SWEEP_LOOP, sweep
from services.parcel_lockers.tools import Tools


class SweepLoop(Loop):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], tools: Tools) -> None:
        super().__init__(SWEEP_LOOP, every=tools.settings.sweep_interval_seconds)
        self.sessionmaker = sessionmaker
        self.tools = tools

    async def tick(self) -> None:
        # Each station alone: one whose sweep fails is recorded, the others are still swept.
        for station_id in self.tools.settings.stations:
            async with (
                self.sessionmaker() as session,
                item_alone(SWEEP_LOOP, f"station {station_id}", session=session),
            ):
                await sweep(session=session, tools=self.tools, station_id=station_id)
        return None
