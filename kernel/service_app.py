"""create_service_app: wires a service's routers onto the shared kernel."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import httpx
from fastapi import APIRouter, FastAPI
from redis.asyncio import Redis
from sqlalchemy import MetaData, text

from kernel.auth import JwksClient, KeyLookup, TokenVerifier
from kernel.background import Background
from kernel.bus import NatsBus
from kernel.bus_tables import OUTBOX, PROCESSED_EVENT
from kernel.consumers import ConsumerRunner
from kernel.db import create_engine, create_sessionmaker
from kernel.errors import install_problem_handlers
from kernel.events import STREAMS, StreamSpec
from kernel.fetch import GuardedFetcher
from kernel.health import Check, CheckResult, health_router
from kernel.hot_read_broadcast import CacheBroadcaster
from kernel.hot_reads import HotReadCache, HotReadMiddleware, hot_read_session_info, hot_reads_of
from kernel.limits import BodySizeLimitMiddleware
from kernel.observability import RequestContextMiddleware, configure_logging, metrics_endpoint
from kernel.openapi import add_routers, refuse_other_methods_on_concrete_paths
from kernel.outbox import OutboxRelay, relay_session_info
from kernel.registry import Service
from kernel.runtime import ServiceRuntime
from kernel.settings import ServiceSettings
from kernel.streams import StreamSlots
from kernel.tls import verified_context

log = logging.getLogger(__name__)

BackgroundFactory = Callable[[ServiceRuntime], Background]


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes one service different from the others; everything else is the kernel."""

    service: Service
    title: str
    description: str
    version: str
    metadata: MetaData
    routers: Sequence[APIRouter]
    consumed_streams: Sequence[StreamSpec] = ()
    # Consumers, responders and loops (kernel/background.py); made once the runtime exists.
    background: BackgroundFactory = field(default=lambda runtime: Background())

    @property
    def name(self) -> str:
        return self.service.name

    @property
    def domain(self) -> str:
        return self.service.domain


def create_service_app(
    definition: ServiceDefinition, settings: ServiceSettings, *, key_lookup: KeyLookup | None = None
) -> FastAPI:
    """The service's ASGI app. `key_lookup` replaces the gateway's JWKS (in-process tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(definition.name, settings.log_level)
        runtime = build_runtime(definition, settings, key_lookup=key_lookup)
        app.state.runtime = runtime
        runtime.bus.start()
        runtime.relay.start()
        runtime.consumers.start()
        runtime.broadcaster.start()
        runtime.background.start(runtime.bus)
        log.info("service started", extra={"port": settings.port, "stations": settings.stations})
        try:
            yield
        finally:
            await runtime.background.stop()
            await runtime.consumers.stop()
            await runtime.relay.stop()
            await runtime.broadcaster.stop()
            await runtime.bus.close()
            await runtime.http.aclose()
            await runtime.fetcher.aclose()
            if runtime.redis is not None:
                await runtime.redis.aclose()
            await runtime.engine.dispose()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version=definition.version,
        lifespan=lifespan,
        # A trailing slash is a 404 problem, never a redirect to the service's own address.
        redirect_slashes=False,
    )
    install_problem_handlers(app, definition.metadata)
    # Innermost first: hits leave before routing, but inside the request id, metrics and log.
    # Hot reads come with their routes (`hot_get`); the definition's list is an extra source.
    # Hot reads are declared with their routes (`hot_get`): the middleware serves what they declare.
    app.add_middleware(HotReadMiddleware, reads=hot_reads_of(definition.routers))
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContextMiddleware, service=definition.name)
    health = health_router(definition.name, lambda request: service_checks(request.app.state.runtime))
    add_routers(app, [health])
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    add_routers(app, definition.routers)
    refuse_other_methods_on_concrete_paths(app)
    return app


def build_runtime(
    definition: ServiceDefinition, settings: ServiceSettings, *, key_lookup: KeyLookup | None = None
) -> ServiceRuntime:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    bus = NatsBus(
        settings.nats_url,
        name=definition.name,
        streams=[STREAMS[definition.domain], *definition.consumed_streams],
    )
    relay = OutboxRelay(
        service=definition.name, sessionmaker=None, bus=bus, outbox=definition.metadata.tables[OUTBOX]
    )
    hot = HotReadCache(service=definition.name, domain=definition.domain)
    broadcaster = CacheBroadcaster(hot, bus)
    sessionmaker = create_sessionmaker(
        engine, metadata=definition.metadata, **relay_session_info(relay), **hot_read_session_info(hot)
    )
    relay.sessionmaker = sessionmaker
    http = httpx.AsyncClient(verify=verified_context())
    jwks = JwksClient(settings.jwks_url, http=http)
    verifier = TokenVerifier(
        key_lookup=key_lookup or jwks.key, issuer=settings.token_issuer, audience=settings.token_audience
    )
    redis = (
        Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
        if settings.redis_url
        else None
    )
    runtime = ServiceRuntime(
        name=definition.name,
        domain=definition.domain,
        settings=settings,
        metadata=definition.metadata,
        engine=engine,
        sessionmaker=sessionmaker,
        bus=bus,
        relay=relay,
        consumers=ConsumerRunner(
            service=definition.name,
            bus=bus,
            sessionmaker=sessionmaker,
            inbox=definition.metadata.tables[PROCESSED_EVENT],
            consumers=[],
        ),
        http=http,
        jwks=jwks,
        verifier=verifier,
        hot=hot,
        broadcaster=broadcaster,
        fetcher=GuardedFetcher(allow=settings.fetch_allow),
        redis=redis,
        stream_slots=StreamSlots(per_client=settings.max_streams_per_client),
    )
    # Handlers and loops may need the runtime (settings, clients), so they are made once it exists.
    runtime.background = definition.background(runtime)
    runtime.consumers.consumers = list(runtime.background.consumers)
    return runtime


def service_checks(runtime: ServiceRuntime) -> list[Check]:
    async def database() -> CheckResult:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True, None

    async def nats() -> CheckResult:
        if not runtime.bus.connected:
            return False, "not connected; events wait in the outbox"
        pending = await runtime.relay.pending_count()
        return True, f"{pending} events pending in the outbox" if pending else None

    async def redis() -> CheckResult:
        assert runtime.redis is not None
        await runtime.redis.ping()
        return True, None

    async def consumers() -> CheckResult:
        waiting = [
            c.durable for c in runtime.consumers.consumers if c.durable not in runtime.consumers.subscribed
        ]
        return (not waiting), (f"not consuming: {', '.join(waiting)}" if waiting else None)

    async def background() -> CheckResult:
        problems = runtime.background.problems()
        return (not problems), ("; ".join(problems) if problems else None)

    checks = [Check("database", database), Check("nats", nats, required=False)]
    if runtime.redis is not None:
        checks.append(Check("redis", redis, required=False))
    if runtime.consumers.consumers:
        checks.append(Check("consumers", consumers, required=False))
    if runtime.background.responders or runtime.background.loops:
        checks.append(Check("background", background, required=False))
    return checks
