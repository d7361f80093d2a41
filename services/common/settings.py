"""Settings shared by every service; each service subclasses with its own env prefix."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.common.registry import Service
from services.common.stations import STATION_SLUG_PATTERN

Environment = Literal["development", "test", "production"]

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
    stations: Annotated[list[str], NoDecode] = Field(min_length=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # Server-Sent Events streams one client (token subject, else address) holds open at once.
    max_streams_per_client: int = Field(default=20, ge=1, le=10_000)
    # Whose X-Forwarded-For names the client (the gateway): loopback for the embedded run.
    trusted_proxies: list[str] = ["127.0.0.1/32", "::1/128"]
    log_level: str = "INFO"

    _split_stations = field_validator("stations", mode="before")(split_list)

    @field_validator("stations")
    @classmethod
    def _stations_are_slugs(cls, stations: list[str]) -> list[str]:
        bad = [s for s in stations if not re.fullmatch(STATION_SLUG_PATTERN, s)]
        if bad:
            raise ValueError(f"not station slugs: {bad}")
        return stations

    @model_validator(mode="after")
    def _production_is_not_the_embedded_run(self) -> ServiceSettings:
        if self.environment == "production" and self.database_url.startswith("sqlite"):
            raise ValueError("production runs on PostgreSQL, not SQLite")
        if self.environment == "production" and any(h in self.jwks_url for h in _DEVELOPMENT_ONLY_HOSTS):
            raise ValueError("production needs the gateway's real JWKS URL")
        return self


def settings_config(service: Service) -> SettingsConfigDict:
    """A service's settings come from env vars with its prefix (BIKE_SHARE_PORT...)."""
    return SettingsConfigDict(env_prefix=service.env_prefix, extra="ignore", env_file=None)


def default_database_url(service: Service) -> str:
    """The embedded run's SQLite file of a service, under var/db/."""
    return f"sqlite+aiosqlite:///var/db/{service.name}.sqlite"
