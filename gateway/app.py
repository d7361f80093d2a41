"""The gateway's wiring."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from redis.asyncio import Redis
from sqlalchemy import text

from gateway.api import accounts_router, dev_router, devices_router
from gateway.api import router as auth_router
from gateway.edge import PROXIED_METHODS, edge
from gateway.keys import KeyRing
from gateway.openapi import MergedOpenAPI
from gateway.otp import OneTimeCodes
from gateway.pairing import PairingCodes
from gateway.proxy import UpstreamPool
from gateway.ratelimit import RateLimiter
from gateway.runtime import GatewayRuntime
from gateway.settings import GatewaySettings
from services.common.auth import TokenVerifier
from services.common.bus import NatsBus
from services.common.db import create_engine, create_sessionmaker
from services.common.errors import install_problem_handlers
from services.common.health import Check, CheckResult, Probe, health_router
from services.common.limits import BodySizeLimitMiddleware
from services.common.notifier import build_notifier
from services.common.observability import RequestContextMiddleware, configure_logging, metrics_endpoint

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
    # For readiness probes and the OpenAPI merge; the proxied traffic uses the pool below.
    http = httpx.AsyncClient(timeout=3.0, trust_env=False)
    return GatewayRuntime(
        settings=settings,
        engine=engine,
        sessionmaker=create_sessionmaker(engine),
        redis=redis,
        bus=NatsBus(settings.nats_url, name="gateway", streams=[]),
        keyring=keyring,
        verifier=TokenVerifier(
            key_lookup=keyring.lookup, issuer=settings.token_issuer, audience=settings.token_audience
        ),
        limiter=RateLimiter(redis),
        upstream_pools={
            name: UpstreamPool(
                max_in_flight=settings.upstream_max_in_flight,
                connect_timeout=settings.upstream_connect_timeout,
                timeout=settings.upstream_timeout,
            )
            for name in settings.upstreams()
        },
        http=http,
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
        openapi=MergedOpenAPI(http=http, upstreams=settings.upstreams()),
        upstream_urls=settings.upstreams(),
    )


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
    return checks


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("gateway", settings.log_level)
        runtime = build_runtime(settings)
        app.state.gateway = runtime
        runtime.bus.start()
        log.info("gateway started", extra={"port": settings.port, "upstreams": runtime.upstream_urls})
        try:
            yield
        finally:
            await runtime.bus.close()
            for pool in runtime.upstream_pools.values():
                await pool.aclose()
            await runtime.http.aclose()
            await runtime.notifier.aclose()
            await runtime.redis.aclose()
            await runtime.engine.dispose()

    app = FastAPI(
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
    )
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=PROXIED_METHODS,
        allow_headers=["Authorization", "Content-Type", "If-None-Match", "X-Request-ID"],
        expose_headers=["X-Request-ID", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "ETag"],
        max_age=600,
    )
    app.add_middleware(RequestContextMiddleware, service="gateway")
    app.include_router(
        health_router(
            "gateway",
            lambda request: gateway_checks(request.app.state.gateway),
            instance=settings.instance_id,
        )
    )
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.include_router(auth_router)
    app.include_router(devices_router)
    app.include_router(accounts_router)
    if settings.notifier.backend == "inbox":
        app.include_router(dev_router)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        runtime: GatewayRuntime = request.app.state.gateway
        return JSONResponse(await runtime.openapi.document(app.openapi()))

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="Gare numérique — API")

    for path in ("/api/v1/stations/{rest:path}", "/gbfs", "/gbfs/{rest:path}"):
        app.router.add_route(path, edge, methods=PROXIED_METHODS, include_in_schema=False)
    return app
