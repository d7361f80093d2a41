"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kernel.fetch import parse_allow_entry
from kernel.registry import Service
from kernel.stations import StationSlug

Environment = Literal["development", "test", "production"]

# An absolute http(s) URL without query or fragment; a path is allowed (a gateway behind a prefix).
PUBLIC_URL_PATTERN = r"^https?://[^/?#\s]+(/[^?#\s]*)?$"

# Values that must never reach production: the embedded run's defaults.
_DEVELOPMENT_ONLY_HOSTS = ("127.0.0.1", "localhost")


def split_list(value: object) -> object:
    """Accept `a,b,c` from the environment as well as a real list."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class ServiceSettings(BaseSettings):
    """What every service needs to run; env vars carry the service's prefix (BIKE_SHARE_PORT...)."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = Field(ge=1, le=65535)
    database_url: str
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema of this service (one schema per service)."
    )
    nats_url: str = "nats://127.0.0.1:4222"
    redis_url: str | None = None
    jwks_url: str = "http://127.0.0.1:8080/.well-known/jwks.json"
    token_issuer: str = "urn:gare-numerique:gateway"
    token_audience: str = "gare-numerique"
    stations: Annotated[list[StationSlug], NoDecode] = Field(min_length=1)
    # The station's gateway as travellers and devices reach it: every absolute URL this service
    # writes (SMS links, QR codes, GBFS files) starts with it, never with a request's Host. Unset,
    # the origin of the JWKS URL (the gateway that issues our tokens): right for the embedded run.
    public_url: str | None = Field(default=None, pattern=PUBLIC_URL_PATTERN)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Server-Sent Events streams one client (token subject, else address) holds open at once.
    max_streams_per_client: int = Field(default=20, ge=1, le=10_000)
    # Whose X-Forwarded-For names the client (the gateway): loopback for the embedded run.
    trusted_proxies: list[str] = ["127.0.0.1/32", "::1/128"]
    log_level: str = "INFO"
    # Addresses the guarded fetcher may reach although they are not public (loopback, private...):
    # `127.0.0.1:8911`, `[::1]:8911` or a network such as `10.20.0.0/16`. Empty: public only.
    fetch_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)

    _split_stations = field_validator("stations", mode="before")(split_list)
    _split_fetch_allow = field_validator("fetch_allow", mode="before")(split_list)

    @field_validator("fetch_allow")
    @classmethod
    def _fetch_allow_entries_parse(cls, entries: list[str]) -> list[str]:
        for entry in entries:
            parse_allow_entry(entry)
        return entries

    @model_validator(mode="after")
    def _production_is_not_the_embedded_run(self) -> ServiceSettings:
        if self.environment == "production" and self.database_url.startswith("sqlite"):
            raise ValueError("production runs on PostgreSQL, not SQLite")
        if self.environment == "production" and any(h in self.jwks_url for h in _DEVELOPMENT_ONLY_HOSTS):
            raise ValueError("production needs the gateway's real JWKS URL")
        if self.environment == "production" and not (self.public_url or "").startswith("https://"):
            raise ValueError("production names the station's public https URL (PUBLIC_URL)")
        return self

    @property
    def public_base_url(self) -> str:
        """The public URL without its trailing slash: `{public_base_url}/app/` is the traveller app."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return origin_of(self.jwks_url)


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an absolute URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def settings_config(service: Service) -> SettingsConfigDict:
    """A service's settings come from env vars with its prefix (BIKE_SHARE_PORT...)."""
    return SettingsConfigDict(env_prefix=service.env_prefix, extra="ignore", env_file=None)


def default_database_url(service: Service) -> str:
    """The embedded run's SQLite file of a service, under var/db/."""
    return f"sqlite+aiosqlite:///var/db/{service.name}.sqlite"
