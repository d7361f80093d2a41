"""What the running gateway holds."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from gateway.keys import KeyRing
from gateway.openapi import MergedOpenAPI
from gateway.otp import OneTimeCodes
from gateway.pairing import PairingCodes
from gateway.proxy import UpstreamPool
from gateway.ratelimit import RateLimiter
from gateway.settings import GatewaySettings
from services.common.auth import TokenVerifier
from services.common.bus import NatsBus
from services.common.notifier import Notifier


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
    openapi: MergedOpenAPI
    upstream_urls: dict[str, str]
