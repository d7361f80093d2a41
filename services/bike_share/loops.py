"""bike_share's periodic work: the ingest of operators' GBFS feeds (feeds.py does one pull)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.background import Loop
from kernel.db import utcnow
from kernel.fetch import GuardedFetcher
from kernel.tasks import item_alone
from services.bike_share.feeds import FeedClient, pull
from services.bike_share.models import FeedState
from services.bike_share.systems import service as systems


class IngestLoop(Loop):
    """Pulls every due feed, one at a time (feeds are few; a slow one delays the others a little).
    Each feed fails alone: a pull that raises is recorded and the round goes on with the next."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        fetcher: GuardedFetcher,
        stations: list[str],
        every: float,
    ) -> None:
        super().__init__("bike_share-ingest", every=every)
        self.sessionmaker = sessionmaker
        self.client = FeedClient(fetcher)
        self.stations = stations

    async def tick(self) -> None:
        await self.run_once()

    async def run_once(self) -> list[FeedState]:
        async with self.sessionmaker() as session:
            now = utcnow()
            due = [
                f.system_id
                for f in await systems.feed_states(session=session)
                if f.next_attempt_at is None or f.next_attempt_at <= now
            ]
        pulled = []
        for system_id in due:
            async with item_alone(self.name, system_id):
                try:
                    pulled.append(
                        await pull(
                            sessionmaker=self.sessionmaker,
                            client=self.client,
                            system_id=system_id,
                            stations=self.stations,
                        )
                    )
                except LookupError:
                    continue  # its system lost its feed meanwhile
        return pulled
