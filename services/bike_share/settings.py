"""bike_share's settings: the kernel's, with its env prefix (BIKE_SHARE_...) and default port from the registry."""

from pydantic import Field

from kernel.registry import BIKE_SHARE
from kernel.settings import ServiceSettings, default_database_url, settings_config


class Settings(ServiceSettings):
    model_config = settings_config(BIKE_SHARE)

    port: int = BIKE_SHARE.default_port
    database_url: str = default_database_url(BIKE_SHARE)
    gbfs_contact_email: str = "open-data@gare-numerique.example.org"
    # External GBFS feeds: how often the ingest looks for feeds due (a feed is due when its `ttl`
    # has passed since its last pull, 30 s after a failure).
    ingest_min_interval_seconds: float = Field(default=10.0, ge=0.1)
    ingest_enabled: bool = True
