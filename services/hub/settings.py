"""Settings of the hub's network view (env prefix HUB_)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from kernel.settings import Environment, split_list
from services.hub import HUB


class HubSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HUB_", extra="ignore")

    environment: Environment = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=HUB.default_port, ge=1, le=65535)
    # The hub cluster (user `hub` of hub/nats.conf): nats://hub:<password>@nats-hub:4222
    nats_url: str = "nats://127.0.0.1:4222"
    # Network operators sign in at the gateway that issues `network:admin` tokens.
    jwks_url: str = "http://127.0.0.1:8080/.well-known/jwks.json"
    # The issuer of those tokens; by default the gateway the JWKS comes from (its public URL).
    token_issuer: str | None = None
    token_audience: str = "gare-numerique"
    # A station the hub has not heard from for this long counts as cut off.
    link_timeout_seconds: float = Field(default=15.0, gt=0)
    # How often the hub reads the state of its sources (lag, last contact) from JetStream.
    source_poll_seconds: float = Field(default=2.0, gt=0)
    manifest_ttl_seconds: int = Field(default=60, ge=0)
    # Culture: the hub's public address that goes into each work's media URL (default: the address a
    # request came by), the largest upload, and the replicas of the media's object store (as the
    # hub's streams: 3 on the hub cluster).
    public_url: str | None = None
    media_max_bytes: int = Field(default=30 * 1024 * 1024, gt=0)
    media_replicas: int = Field(default=3, ge=1, le=5)
    # Web origins allowed to call the hub from a browser (a station gateway's console): `a,b`.
    cors_origins: Annotated[list[str], NoDecode] = []

    _split = field_validator("cors_origins", mode="before")(split_list)
    log_level: str = "INFO"

    @property
    def issuer(self) -> str:
        if self.token_issuer:
            return self.token_issuer
        parts = urlsplit(self.jwks_url)
        return f"{parts.scheme}://{parts.netloc}"

    @model_validator(mode="after")
    def _production_has_real_addresses(self) -> HubSettings:
        if self.environment == "production" and "127.0.0.1" in self.jwks_url:
            raise ValueError("production needs the real JWKS URL of the gateway that signs network tokens")
        return self
