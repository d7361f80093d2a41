"""What a running service holds: settings, database, bus, relay, consumers, verifier, hot-read cache."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from redis.asyncio import Redis
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.common.auth import JwksClient, TokenVerifier
from services.common.bus import NatsBus
from services.common.consumers import ConsumerRunner
from services.common.fetch import GuardedFetcher
from services.common.hot_reads import CacheBroadcaster, HotReadCache
from services.common.outbox import OutboxRelay
from services.common.settings import ServiceSettings
from services.common.streams import StreamSlots


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
    # Open Server-Sent Events streams per client (services/common/streams.py).
    stream_slots: StreamSlots = field(default_factory=lambda: StreamSlots(per_client=20))
