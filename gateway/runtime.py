"""What the running gateway holds."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.cache import EdgeCache
from gateway.keys import KeyRing
from gateway.openapi import MergedOpenAPI
from gateway.otp import OneTimeCodes
from gateway.pairing import PairingCodes
from gateway.ratelimit import RateLimiter
from gateway.routing import MethodTable
from gateway.settings import GatewaySettings, RateLimit
from gateway.upstream import UpstreamPool
from kernel.attempts import AttemptCounter
from kernel.auth import TokenVerifier
from kernel.bus import NatsBus
from kernel.catalog import CatalogStation
from kernel.notifier import Notifier
from kernel.registry import Service
from kernel.streams import StreamSlots


@dataclass
class GatewayRuntime:
    settings: GatewaySettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis
    bus: NatsBus
    keyring: KeyRing
    verifier: TokenVerifier
    limiter: RateLimiter
    upstream_pools: dict[str, UpstreamPool]
    http: httpx.AsyncClient
    otp: OneTimeCodes
    notifier: Notifier
    pairing: PairingCodes
    # Guesses at passwords and client secrets (kernel/attempts.py).
    attempts: AttemptCounter
    openapi: MergedOpenAPI
    upstream_urls: dict[str, str]
    # The stations served, as the catalog describes them (the station directory).
    stations_catalog: list[CatalogStation] = field(default_factory=list)
    # Derived once at start, read on every proxied request.
    methods: MethodTable = field(default_factory=MethodTable)
    services: list[Service] = field(default_factory=list)
    stations: frozenset[str] = frozenset()
    services_by_domain: dict[str, Service] = field(default_factory=dict)
    route_templates: dict[str, str] = field(default_factory=dict)
    upstream_origins: tuple[bytes, ...] = ()
    rate_limits: dict[str, RateLimit] = field(default_factory=dict)
    trusted_proxies: tuple[str, ...] = ()
    # Public reads answered from the services' last answers (None: off).
    edge_cache: EdgeCache | None = None
    # Event streams: their own client and, per service, their own slots (gateway/streams.py).
    stream_client: httpx.AsyncClient | None = None
    stream_slots: dict[str, StreamSlots] = field(default_factory=dict)
