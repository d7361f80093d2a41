"""What a running service holds: settings, database, bus, relay, background work, verifier, hot-read cache."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from redis.asyncio import Redis
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kernel.auth import JwksClient, TokenVerifier
from kernel.background import Background
from kernel.bus import NatsBus
from kernel.consumers import ConsumerRunner
from kernel.fetch import GuardedFetcher
from kernel.hot_read_broadcast import CacheBroadcaster
from kernel.hot_reads import HotReadCache
from kernel.outbox import OutboxRelay
from kernel.settings import ServiceSettings
from kernel.streams import StreamSlots


@dataclass
class ServiceRuntime:
    name: str
    domain: str
    settings: ServiceSettings
    metadata: MetaData
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bus: NatsBus
    relay: OutboxRelay
    consumers: ConsumerRunner
    http: httpx.AsyncClient
    jwks: JwksClient
    verifier: TokenVerifier
    hot: HotReadCache
    broadcaster: CacheBroadcaster
    # For URLs that users give (feeds); `http` is for the station's own configured endpoints.
    fetcher: GuardedFetcher
    redis: Redis | None = None
    # Open Server-Sent Events streams per client (kernel/streams.py).
    stream_slots: StreamSlots = field(default_factory=lambda: StreamSlots(per_client=20))
    # Responders and loops of the service, started by the kernel once the runtime exists.
    background: Background = field(default_factory=Background)
