"""Live departures' periodic work: the ingest of the station's sources (each when its poll interval
says, each alone), the clearing of expired disruptions (and the forgetting of those cleared a week
ago), and the watcher that wakes the push channel."""

from __future__ import annotations

from kernel.background import Loop
from kernel.db import utcnow
from kernel.runtime import ServiceRuntime
from kernel.tasks import item_alone
from services.info_kiosk.departures import domain, live
from services.info_kiosk.departures.service import disruptions, ingest

INGEST_LOOP = "info_kiosk-departures-ingest"
PUSH_LOOP = "info_kiosk-departures-push"
WATCH_SECONDS = 0.05


class IngestLoop(Loop):
    """Pulls every due source one after the other; a source that fails is recorded and the round
    goes on. Sources are few per station and their fetches bounded in time by the guarded fetcher.
    Replicas share the work: each source due is claimed by one of them (`ingest.claim`)."""

    def __init__(self, runtime: ServiceRuntime, *, every: float) -> None:
        super().__init__(INGEST_LOOP, every=every)
        self.runtime = runtime

    async def tick(self) -> None:
        await self.run_once()

    async def run_once(self) -> int:
        """One round: the due sources pulled, the expired disruptions cleared; how many were pulled."""
        now = utcnow()
        async with self.runtime.sessionmaker() as session:
            due = await ingest.due_sources(session=session, now=now)
        pulled = 0
        for source_id in due:
            async with item_alone(self.name, source_id):
                async with self.runtime.sessionmaker() as session:
                    if not await ingest.claim(session=session, source_id=source_id, now=now):
                        continue  # another replica took it
                pulled += 1
                await ingest.pull(
                    sessionmaker=self.runtime.sessionmaker, fetcher=self.runtime.fetcher, source_id=source_id
                )
        async with item_alone(self.name, "expired disruptions"), self.runtime.sessionmaker() as session:
            await disruptions.clear_expired(session=session, now=now)
            await disruptions.forget_cleared(session=session, before=now - domain.CLEARED_KEPT)
        return pulled


class PushWatcher(Loop):
    def __init__(self, runtime: ServiceRuntime) -> None:
        super().__init__(PUSH_LOOP, every=WATCH_SECONDS)
        self.channel = live.channel_of(runtime)

    async def tick(self) -> None:
        self.channel.notice()
