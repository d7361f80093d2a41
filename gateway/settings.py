"""Gateway settings (env prefix GATEWAY_)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kernel.attempts import AttemptPolicy
from kernel.notifier import NotifierSettings
from kernel.registry import SERVICES
from kernel.settings import PUBLIC_URL_PATTERN, Environment, split_list
from kernel.stations import StationSlug

REPO_ROOT = Path(__file__).resolve().parents[1]
# What the gateway's web pages may load: their own origin only, images and media also from blobs
# and data URLs (QR codes, cached media of the signage player), no framing by other sites.
DEFAULT_WEB_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class RateLimit(BaseModel):
    """A sustained rate with a burst allowance (GCRA)."""

    per_second: float = Field(gt=0)
    burst: int = Field(ge=1)


class AttemptLimit(BaseModel):
    """Guesses at one secret from any address: `limit`, then each further guess waits a lockout
    that doubles from `lockout_seconds` up to `max_lockout_seconds`; forgotten after `window_seconds`
    without a guess. The cap bounds how long a guesser can keep the real owner out."""

    limit: int = Field(ge=1, le=100)
    window_seconds: int = Field(ge=1)
    lockout_seconds: float = Field(gt=0)
    max_lockout_seconds: float = Field(gt=0, le=3600)

    def policy(self) -> AttemptPolicy:
        return AttemptPolicy(
            limit=self.limit,
            window_seconds=self.window_seconds,
            lockout_seconds=self.lockout_seconds,
            max_lockout_seconds=max(self.lockout_seconds, self.max_lockout_seconds),
        )


class SessionLifetime(BaseModel):
    """How long a sign-in lasts: unused for `idle_seconds` it ends; it never outlives `max_seconds`."""

    idle_seconds: int = Field(ge=1)
    max_seconds: int = Field(ge=1)

    @model_validator(mode="after")
    def _idle_within_max(self) -> SessionLifetime:
        if self.idle_seconds > self.max_seconds:
            raise ValueError("idle_seconds cannot exceed max_seconds")
        return self


DAY = 86400
DEVELOPMENT_ISSUER = "urn:gare-numerique:gateway"


class GatewaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", env_nested_delimiter="__", extra="ignore")

    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = 8080
    # Tells this gateway from another one answering on the same address (the runner checks it).
    instance_id: str = Field(default_factory=lambda: uuid.uuid4().hex, max_length=64)
    database_url: str = "sqlite+aiosqlite:///var/db/gateway.sqlite"
    database_schema: str | None = None
    redis_url: str = "redis://127.0.0.1:6379/0"
    nats_url: str = "nats://127.0.0.1:4222"
    keys_dir: Path = Path("var/keys/gateway")
    secrets_dir: Path = Path("var/secrets")

    # The tokens' `iss` and the metadata's `issuer`: the public URL (RFC 8414 wants an https URL,
    # or http on a loopback address in development); the services expect the same value.
    token_issuer: str | None = Field(default=None, pattern=r"^(https?://[^?#\s]+|urn:[^\s]+)$")
    token_audience: str = "gare-numerique"
    staff_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    # Devices refresh now: a short access token bounds how long an unpaired one keeps working.
    device_token_ttl_seconds: int = Field(default=900, ge=60, le=86400)
    traveller_token_ttl_seconds: int = Field(default=900, ge=60, le=3600)
    otp_ttl_seconds: int = Field(default=300, ge=60, le=900)
    otp_max_attempts: int = Field(default=5, ge=1, le=10)
    # Refresh-token families: staff for a working day, travellers for weeks, paired devices for a year.
    session_staff: SessionLifetime = SessionLifetime(idle_seconds=8 * 3600, max_seconds=DAY)
    session_traveller: SessionLifetime = SessionLifetime(idle_seconds=30 * DAY, max_seconds=90 * DAY)
    session_device: SessionLifetime = SessionLifetime(idle_seconds=30 * DAY, max_seconds=365 * DAY)
    # Device pairing (RFC 8628): how long a code waits for an operator, how often a device polls.
    pairing_code_ttl_seconds: int = Field(default=600, ge=2, le=3600)
    pairing_poll_interval_seconds: int = Field(default=5, ge=1, le=60)
    pairing_verification_path: str = "/console/pair"
    # The gateway's address as clients see it: every absolute URL it writes (OAuth metadata, pairing
    # links, WebOTP) starts with it. Unset, its own bound address; never a request's Host.
    public_url: str | None = Field(default=None, pattern=PUBLIC_URL_PATTERN)
    # Stations served here (empty: every station of the catalog): the station directory and the
    # proxied paths; devices are paired for these only (empty: any station a token covers).
    stations: Annotated[list[StationSlug], NoDecode] = []

    # The services behind this gateway (default every service of kernel/registry.py).
    services: Annotated[list[str], NoDecode] = [s.name for s in SERVICES]
    catalog_dir: Path = REPO_ROOT / "deploy" / "stations"
    # Service name -> base URL (GATEWAY_UPSTREAM_URLS__BIKE_SHARE=http://...); a service not
    # listed is at 127.0.0.1 on its default port.
    upstream_urls: dict[str, str] = {}
    upstream_connect_timeout: float = Field(default=1.0, gt=0)
    upstream_timeout: float = Field(default=10.0, gt=0)
    # Public reads kept by the gateway (gateway/cache.py), at most this many answers; 0 turns it off.
    edge_cache_entries: int = Field(default=1024, ge=0, le=1_000_000)
    # Concurrent requests the gateway sends to each service; more only queue inside the service.
    upstream_max_in_flight: int = Field(default=8, ge=1, le=1024)
    # Event streams (text/event-stream) relayed at once to each service: screens, kiosks, apps.
    max_streams_per_service: int = Field(default=2000, ge=1, le=100_000)
    # ... and at most this many per client (token subject, else address): no one takes them all.
    max_streams_per_client: int = Field(default=20, ge=1, le=100_000)

    rate_limit_anonymous: RateLimit = RateLimit(per_second=20, burst=40)
    rate_limit_authenticated: RateLimit = RateLimit(per_second=50, burst=100)
    rate_limit_write: RateLimit = RateLimit(per_second=10, burst=20)
    rate_limit_auth: RateLimit = RateLimit(per_second=1, burst=10)
    # The web clients' files, the docs and the probes: a page's first load asks for dozens at once.
    rate_limit_static: RateLimit = RateLimit(per_second=100, burst=300)
    # Most tokens a gateway takes from a client's Redis bucket at once (gateway/ratelimit.py); 1 is exact.
    rate_limit_lease: int = Field(default=64, ge=1, le=1000)
    # Prefix of the rate-limit keys in Redis: gateways with the same one share their clients' buckets.
    rate_limit_namespace: str = Field(default="gare", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    # Per account (password grant): 5 guesses, then one a second, two, four... at most one a minute.
    attempts_account: AttemptLimit = AttemptLimit(
        limit=5, window_seconds=900, lockout_seconds=1, max_lockout_seconds=60
    )
    # Per device (client credentials): each failure costs an argon2 check, and a device whose secret
    # was revoked retries for ever; past the limit it is refused without the check.
    attempts_client: AttemptLimit = AttemptLimit(
        limit=5, window_seconds=3600, lockout_seconds=1, max_lockout_seconds=60
    )
    # Refresh tokens cannot be guessed; this only keeps one address from hammering the database.
    rate_limit_refresh: RateLimit = RateLimit(per_second=10, burst=50)
    trusted_proxies: Annotated[list[str], NoDecode] = []

    cors_origins: Annotated[list[str], NoDecode] = ["*"]
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # /metrics: with a token, only `Authorization: Bearer <token>` reads it; without one it is open
    # in development and test, and not served in production (docs/gateway.md).
    metrics_token: SecretStr | None = None
    # The static web clients (/app/, /kiosk/, /player/, /console/, /common/) and their CSP.
    web_dir: Path = REPO_ROOT / "web"
    web_csp: str = DEFAULT_WEB_CSP
    notifier: NotifierSettings = NotifierSettings()
    log_level: str = "INFO"

    _split = field_validator("trusted_proxies", "cors_origins", "stations", "services", mode="before")(
        split_list
    )

    @field_validator("services")
    @classmethod
    def _services_are_known(cls, services: list[str]) -> list[str]:
        unknown = sorted(set(services) - {s.name for s in SERVICES})
        if unknown or not services:
            raise ValueError(f"unknown services: {unknown}" if unknown else "at least one service")
        return services

    @field_validator("upstream_urls")
    @classmethod
    def _upstreams_are_services(cls, urls: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(urls) - {s.name for s in SERVICES})
        if unknown:
            raise ValueError(f"upstream URLs for unknown services: {unknown}")
        bad = [u for u in urls.values() if not re.fullmatch(r"http://[^/?#\s]+/?", u)]
        if bad:
            raise ValueError(f"an upstream is an http://host:port URL, not {bad}")
        return urls

    @property
    def issuer(self) -> str:
        """GATEWAY_TOKEN_ISSUER, else the public URL, else (a development gateway that knows no
        address of its own) the URN the services expect by default."""
        if self.token_issuer:
            return self.token_issuer
        if self.public_url:
            return self.public_url.rstrip("/")
        return DEVELOPMENT_ISSUER

    @model_validator(mode="after")
    def _production_is_locked_down(self) -> GatewaySettings:
        if self.environment == "production":
            if problem := self.notifier.production_problem():
                raise ValueError(problem)
            if not self.public_url or not self.public_url.startswith("https://"):
                raise ValueError("production names its public https URL (GATEWAY_PUBLIC_URL)")
            if not self.issuer.startswith("https://"):
                raise ValueError("production tokens name their https issuer (GATEWAY_TOKEN_ISSUER)")
            if "*" in self.cors_origins:
                raise ValueError("production lists its CORS origins explicitly")
            if self.database_url.startswith("sqlite"):
                raise ValueError("production runs on PostgreSQL, not SQLite")
        return self

    @property
    def public_base_url(self) -> str:
        """The public URL without its trailing slash, else the address this gateway listens on."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{bound_host(self.host)}:{self.port}"

    def upstreams(self) -> dict[str, str]:
        """Service name -> base URL, for the services behind this gateway."""
        return {
            s.name: self.upstream_urls.get(s.name, f"http://127.0.0.1:{s.default_port}").rstrip("/")
            for s in SERVICES
            if s.name in self.services
        }


def bound_host(host: str) -> str:
    """A host to reach an address the gateway binds: the loopback for a wildcard, IPv6 in brackets."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host
