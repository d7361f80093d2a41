"""signage's settings: the kernel's, with its env prefix (SIGNAGE_...) and default port from the registry."""

from pydantic import Field

from kernel.registry import SIGNAGE
from kernel.settings import ServiceSettings, default_database_url, settings_config


class Settings(ServiceSettings):
    model_config = settings_config(SIGNAGE)

    port: int = SIGNAGE.default_port
    database_url: str = default_database_url(SIGNAGE)
    # Uploads: also bounded by max_body_bytes here and at the gateway (raise them together for videos).
    max_media_bytes: int = Field(default=1_048_576, ge=1024)
    # How often the station reads the network's exhibitions (the hub's config stream) for changes.
    exhibition_mirror_seconds: float = Field(default=2.0, gt=0, le=300)
