"""The station's background work for exhibitions (kernel/background.py loops):

- the mirror: reads the exhibitions of the station's NETWORK_CONFIG (the mirror of the hub's config
  stream, the last message per subject kept) and keeps the read model of those that visit this
  station, copying each work's media. The stream holds each exhibition whole, so reading it again is
  harmless: after a restart, or a cut link, the mirror simply reads the last version it holds. Where
  the station runs without a hub (no NETWORK_CONFIG stream), there are no new exhibitions and the
  read model stays as it was; `state` says so (readiness does not fail for it).
- the clock: the moment a work's rights or an accepted visit start or end, the screens' documents
  are rendered again, by the station's own clock, whatever the link to the hub.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from nats.js.errors import NotFoundError
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.background import Loop
from kernel.contracts.culture import EXHIBITION_CONFIG, ExhibitionPublished
from kernel.db import utcnow
from kernel.runtime import ServiceRuntime
from kernel.tasks import item_alone, record_item_failure
from kernel.topology import CONFIG_STREAM
from services.signage.exhibitions import domain, read_model, rotation
from services.signage.exhibitions.models import Exhibition
from services.signage.invalidation import EXHIBITIONS, PLAYLISTS

log = logging.getLogger(__name__)

MIRROR_LOOP = "signage-exhibitions-mirror"
CLOCK_LOOP = "signage-exhibitions-clock"
# A failed media copy is tried again this often, not at every round.
MEDIA_RETRY = timedelta(seconds=30)


@dataclass
class MirrorState:
    """What the mirror last saw (for logs, health and tests)."""

    stream: str = "unknown"  # "present", "absent" (no hub), "unreachable"
    # What the stream held when last applied: its last sequence and message count (a purge moves
    # only the count).
    last_sequence: tuple[int, int] | None = None
    exhibitions: int = 0
    media_tried: dict[tuple[str, str, str], datetime] = field(default_factory=dict)


class ExhibitionMirror(Loop):
    def __init__(self, runtime: ServiceRuntime, *, every: float, stream: str = CONFIG_STREAM) -> None:
        super().__init__(MIRROR_LOOP, every=every)
        self.runtime = runtime
        self.stream = stream
        self.state = MirrorState()

    async def tick(self) -> None:
        read = await self.read()
        if read is not None:
            published, sequence, present = read
            applied = True
            for station_id in self.runtime.settings.stations:
                try:
                    await self.apply(station_id, published, present)
                except Exception as exc:
                    applied = False  # read again at the next round, whatever the stream does
                    record_item_failure(MIRROR_LOOP, f"exhibitions of {station_id}", exc)
            if applied:
                self.state.last_sequence = sequence
                self.state.exhibitions = len(published)
        for station_id in self.runtime.settings.stations:
            async with item_alone(MIRROR_LOOP, f"media of {station_id}"):
                await self.copy_media(station_id, {e.code: e for e in read[0]} if read else {})

    async def read(self) -> tuple[list[ExhibitionPublished], tuple[int, int], set[str]] | None:
        """Every exhibition of the config stream, its last sequence and the codes it holds (a
        message that breaks the contract is skipped, its exhibition kept as it was), or None when
        it cannot be read or has not changed since it was last applied."""
        bus = self.runtime.bus
        if not bus.connected:
            self.state.stream = "unreachable"
            return None
        js = bus.jetstream
        try:
            info = await js.stream_info(self.stream, subjects_filter=f"{EXHIBITION_CONFIG}.*")
        except NotFoundError:
            if self.state.stream != "absent":
                log.info("no network config stream: no exhibitions from a hub")
            self.state.stream = "absent"
            return None
        self.state.stream = "present"
        version = (info.state.last_seq, info.state.messages)
        if version == self.state.last_sequence:
            return None
        exhibitions = []
        for subject in sorted(info.state.subjects or {}):
            message = await js.get_last_msg(self.stream, subject)
            if not message.data:
                continue
            try:
                exhibitions.append(ExhibitionPublished.model_validate_json(message.data))
            except ValidationError:
                log.error(
                    "an exhibition on the config stream breaks its contract", extra={"subject": subject}
                )
        present = {subject.rsplit(".", 1)[-1] for subject in info.state.subjects or {}}
        return exhibitions, version, present

    async def apply(self, station_id: str, exhibitions: list[ExhibitionPublished], present: set[str]) -> None:
        async with self.runtime.sessionmaker() as session:
            for exhibition in exhibitions:
                await read_model.apply_exhibition(
                    session=session, station_id=station_id, published=exhibition
                )
            await read_model.retire_missing(session=session, station_id=station_id, present=present)

    async def copy_media(self, station_id: str, known: dict[str, ExhibitionPublished]) -> None:
        async with self.runtime.sessionmaker() as session:
            for work in await read_model.works_without_media(session=session, station_id=station_id):
                key = (station_id, work.exhibition_code, work.code)
                tried = self.state.media_tried.get(key)
                if tried is not None and work.media_problem and utcnow() - tried < MEDIA_RETRY:
                    continue
                published = known.get(work.exhibition_code) or await self._stored(
                    session, station_id, work.exhibition_code
                )
                source = domain.work_named(published, work.code) if published else None
                if source is None:
                    continue
                self.state.media_tried[key] = utcnow()
                await read_model.copy_media(
                    session=session,
                    station_id=station_id,
                    work=work,
                    url=source.media_url,
                    fetcher=self.runtime.fetcher,
                )

    @staticmethod
    async def _stored(session: AsyncSession, station_id: str, code: str) -> ExhibitionPublished | None:
        stored = await session.get(Exhibition, (station_id, code))
        return ExhibitionPublished.model_validate(stored.document) if stored else None


class ExhibitionClock(Loop):
    """Renders the screens' documents again the moment a work's rights or a visit start or end."""

    def __init__(self, runtime: ServiceRuntime, *, every: float = 1.0) -> None:
        super().__init__(CLOCK_LOOP, every=every)
        self.runtime = runtime
        self.last = utcnow()

    async def tick(self) -> float:
        now = utcnow()
        upcoming = []
        for station_id in self.runtime.settings.stations:
            async with self.runtime.sessionmaker() as session:
                times = await rotation.clock_boundaries(session=session, station_id=station_id)
            if any(self.last < t <= now for t in times):
                self.runtime.hot.invalidate(station_id, [PLAYLISTS, EXHIBITIONS])
            following = domain.boundaries(times, now)
            if following is not None:
                upcoming.append(following)
        self.last = now
        # Wake just after the next boundary (the clock of every replica does the same).
        soonest = min(upcoming, default=None)
        if soonest is None:
            return self.every
        return max(0.01, min(self.every, (soonest - now).total_seconds() + 0.005))
