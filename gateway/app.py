"""The gateway's wiring."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from redis.asyncio import Redis
from sqlalchemy import text
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.api import DEVELOPMENT_ROUTER, ROUTERS
from gateway.cache import EdgeCache
from gateway.cors import Cors
from gateway.directory import router as directory_router
from gateway.domain import EDGE_RATE_CLASSES
from gateway.edge import PROXIED_METHODS, Edge
from gateway.headers import SecurityHeaders
from gateway.keys import KeyRing
from gateway.models import Base
from gateway.openapi import MergedOpenAPI, allowed_methods
from gateway.otp import OneTimeCodes
from gateway.pairing import PairingCodes
from gateway.problems import router as problems_router
from gateway.ratelimit import RateLimiter
from gateway.runtime import GatewayRuntime
from gateway.settings import GatewaySettings
from gateway.upstream import UpstreamPool, observe_pool
from gateway.web import mount_docs, mount_web_clients
from kernel.attempts import AttemptCounter
from kernel.auth import TokenVerifier
from kernel.bus import NatsBus
from kernel.catalog import CatalogStation, load_catalog
from kernel.db import create_engine, create_sessionmaker
from kernel.errors import NotFound, Unauthorized, install_problem_handlers
from kernel.health import Check, CheckResult, Probe, health_router
from kernel.limits import BodySizeLimitMiddleware
from kernel.notifier import build_notifier
from kernel.observability import RequestContextMiddleware, configure_logging, metrics_endpoint
from kernel.openapi import add_routers, refuse_other_methods_on_concrete_paths
from kernel.registry import SERVICES
from kernel.streams import StreamSlots
from kernel.tasks import stop_task
from kernel.tls import verified_context

log = logging.getLogger(__name__)


def read_or_create_secret(directory: Path, name: str) -> bytes:
    """A random secret generated on first start and kept under var/, never in the repository."""
    path = directory / name
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


def build_runtime(settings: GatewaySettings) -> GatewayRuntime:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    redis = Redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    keyring = KeyRing(settings.keys_dir)
    keyring.load()
    # For readiness probes and the OpenAPI merge; the proxied traffic uses the pools below.
    http = httpx.AsyncClient(timeout=3.0, trust_env=False, verify=verified_context())
    upstreams = settings.upstreams()
    services = [s for s in SERVICES if s.name in upstreams]
    pools = {
        name: UpstreamPool(
            url,
            max_in_flight=settings.upstream_max_in_flight,
            connect_timeout=settings.upstream_connect_timeout,
            timeout=settings.upstream_timeout,
        )
        for name, url in upstreams.items()
    }
    for name, pool in pools.items():
        observe_pool(name, pool)
    stations = served_stations(settings)
    bus = NatsBus(settings.nats_url, name="gateway", streams=[])
    return GatewayRuntime(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine, metadata=Base.metadata),
        redis=redis,
        bus=bus,
        keyring=keyring,
        verifier=TokenVerifier(
            key_lookup=keyring.lookup, issuer=settings.issuer, audience=settings.token_audience
        ),
        limiter=RateLimiter(
            redis, namespace=settings.rate_limit_namespace, max_lease=settings.rate_limit_lease
        ),
        upstream_pools=pools,
        http=http,
        stream_client=httpx.AsyncClient(
            trust_env=False, verify=verified_context(), limits=httpx.Limits(max_connections=None)
        ),
        stream_slots={
            name: StreamSlots(settings.max_streams_per_service, per_client=settings.max_streams_per_client)
            for name in upstreams
        },
        otp=OneTimeCodes(
            redis,
            pepper=read_or_create_secret(settings.secrets_dir, "otp-pepper"),
            ttl_seconds=settings.otp_ttl_seconds,
            max_attempts=settings.otp_max_attempts,
        ),
        notifier=build_notifier(settings.notifier, redis=redis),
        pairing=PairingCodes(
            redis,
            ttl_seconds=settings.pairing_code_ttl_seconds,
            interval_seconds=settings.pairing_poll_interval_seconds,
        ),
        attempts=AttemptCounter(redis, prefix="auth:attempts"),
        openapi=MergedOpenAPI(http=http, upstreams=upstreams),
        upstream_urls=upstreams,
        stations_catalog=stations,
        stations=frozenset(s.slug for s in stations),
        services=services,
        services_by_domain={s.domain: s for s in services},
        route_templates={
            group: f"/{group} -> {s.name}"
            for s in services
            for group in (s.domain, *(p.strip("/") for p in s.extra_prefixes))
        },
        upstream_origins=tuple(pool.origin for pool in pools.values()),
        rate_limits={rate: getattr(settings, f"rate_limit_{rate}") for rate in EDGE_RATE_CLASSES},
        trusted_proxies=tuple(settings.trusted_proxies),
        edge_cache=EdgeCache(bus, max_entries=settings.edge_cache_entries)
        if settings.edge_cache_entries
        else None,
    )


def served_stations(settings: GatewaySettings) -> list[CatalogStation]:
    """The catalog's entries for the stations this gateway serves (all of them when none is set)."""
    catalog = load_catalog(settings.catalog_dir)
    if not settings.stations:
        return catalog
    by_slug = {s.slug: s for s in catalog}
    missing = [slug for slug in settings.stations if slug not in by_slug]
    if missing:
        raise RuntimeError(f"stations not in the catalog at {settings.catalog_dir}: {missing}")
    return [by_slug[slug] for slug in settings.stations]


async def refresh_routes(runtime: GatewayRuntime) -> None:
    """Learn each service's paths and methods from its OpenAPI document (the merge's cache)."""
    document = await runtime.openapi.document({"openapi": "3.1.0", "info": {}, "paths": {}})
    missing = set(document.get("info", {}).get("x-missing-services", []))
    runtime.methods.load(allowed_methods(document), [s for s in runtime.services if s.name not in missing])


async def keep_routes_current(runtime: GatewayRuntime) -> None:
    """Every few seconds until every service's paths are known, then every minute (deployments)."""
    while True:
        try:
            await refresh_routes(runtime)
        except Exception:
            log.exception("could not refresh the services' paths")
        complete = runtime.methods.services >= {s.name for s in runtime.services}
        await asyncio.sleep(60 if complete else 2)


def gateway_checks(runtime: GatewayRuntime) -> list[Check]:
    """Everything the station needs to serve; any one down makes the gateway not ready."""

    async def database() -> CheckResult:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True, None

    async def redis() -> CheckResult:
        await runtime.redis.ping()
        return True, None

    async def nats() -> CheckResult:
        return runtime.bus.connected, None if runtime.bus.connected else "not connected"

    async def routes() -> CheckResult:
        expected = {s.name for s in runtime.services}
        if not runtime.methods.services >= expected:
            await refresh_routes(runtime)
        unknown = sorted(expected - runtime.methods.services)
        return not unknown, f"paths not known yet for {', '.join(unknown)}" if unknown else None

    def upstream_probe(name: str, url: str) -> Probe:
        async def probe() -> CheckResult:
            try:
                response = await runtime.http.get(f"{url}/readyz", timeout=1.0)
            except httpx.HTTPError as exc:
                return False, f"unreachable: {type(exc).__name__}"
            state = (
                response.json().get("status")
                if response.headers.get("content-type", "").startswith("application/json")
                else None
            )
            return response.status_code == 200, state

        return probe

    checks = [Check("database", database), Check("redis", redis), Check("nats", nats)]
    checks += [Check(name, upstream_probe(name, url)) for name, url in runtime.upstream_urls.items()]
    checks.append(Check("routes", routes))
    return checks


def metrics_route(app: FastAPI, settings: GatewaySettings) -> None:
    """Prometheus metrics, off the public surface in production: behind a bearer token of their
    own when GATEWAY_METRICS_TOKEN is set, else open in development and absent in production."""
    token = settings.metrics_token.get_secret_value().encode() if settings.metrics_token else None

    async def metrics(request: Request) -> Response:
        if token is None:
            if settings.environment == "production":
                raise NotFound("No resource at /metrics.")
        else:
            supplied = request.headers.get("authorization", "").encode("latin-1")
            if not hmac.compare_digest(supplied, b"Bearer " + token):
                raise Unauthorized("The metrics need the metrics bearer token.")
        return await metrics_endpoint(request)

    app.add_route("/metrics", metrics, include_in_schema=False)


class GatewayApp(FastAPI):
    """The gateway: FastAPI for its own routes, behind one front every request goes through.

    The front is the security headers, request ids and metrics, CORS, the body limit, then the edge (gateway/edge.py),
    which checks every path and answers the proxied ones itself: a proxied request pays for none
    of FastAPI's per-request machinery. Any other request goes on to FastAPI."""

    def __init__(self, settings: GatewaySettings, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.front: ASGIApp = RequestContextMiddleware(
            Cors(
                BodySizeLimitMiddleware(Edge(self._fastapi, self.state), max_bytes=settings.max_body_bytes),
                allow_origins=settings.cors_origins,
                allow_methods=PROXIED_METHODS,
                allow_headers=["Authorization", "Content-Type", "If-None-Match", "X-Request-ID"],
                expose_headers=[
                    "X-Request-ID",
                    "Retry-After",
                    "RateLimit-Limit",
                    "RateLimit-Remaining",
                    "ETag",
                ],
                max_age=600,
            ),
            service="gateway",
            response_headers=SecurityHeaders(
                public_url=settings.public_url, trusted_proxies=settings.trusted_proxies
            ),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def _fastapi(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        runtime = build_runtime(settings)
        app.state.gateway = runtime
        runtime.bus.start()
        tasks = [asyncio.create_task(keep_routes_current(runtime), name="gateway-routes")]
        if runtime.edge_cache is not None:
            tasks.append(asyncio.create_task(runtime.edge_cache.listen(), name="gateway-edge-cache"))
        log.info(
            "gateway started",
            extra={
                "port": settings.port,
                "upstreams": runtime.upstream_urls,
                "instance": settings.instance_id,
            },
        )
        try:
            yield
        finally:
            await asyncio.gather(*(stop_task(task) for task in tasks))
            await runtime.limiter.stop()
            if runtime.edge_cache is not None:
                await runtime.edge_cache.stop()
            await runtime.bus.close()
            for pool in runtime.upstream_pools.values():
                await pool.aclose()
            await runtime.http.aclose()
            if runtime.stream_client is not None:
                await runtime.stream_client.aclose()
            await runtime.notifier.aclose()
            await runtime.redis.aclose()
            await runtime.engine.dispose()

    app = GatewayApp(
        settings,
        title="Gare numérique — station API",
        description=(
            "One entry point for the station's services: parcel lockers, signage, vehicle sharing and the "
            "info kiosk. Get a token at `POST /auth/token`; public reads need none."
        ),
        version="0.1.0",
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        # A trailing slash is a 404 like in the services, never a redirect.
        redirect_slashes=False,
    )
    install_problem_handlers(app, Base.metadata)
    health = health_router(
        "gateway", lambda request: gateway_checks(request.app.state.gateway), instance=settings.instance_id
    )
    add_routers(app, [health])
    metrics_route(app, settings)
    add_routers(app, [*ROUTERS, directory_router, problems_router])
    if settings.notifier.backend == "inbox":
        add_routers(app, [DEVELOPMENT_ROUTER])

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        runtime: GatewayRuntime = request.app.state.gateway
        return JSONResponse(await runtime.openapi.document(app.openapi()))

    mount_docs(app, title="Gare numérique — API")
    mount_web_clients(app, settings.web_dir, csp=settings.web_csp)
    refuse_other_methods_on_concrete_paths(app)
    return app
