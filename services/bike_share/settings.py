"""bike_share's settings: the kernel's, with its env prefix (BIKE_SHARE_...) and default port from the registry."""

from services.common.registry import BIKE_SHARE
from services.common.settings import ServiceSettings, default_database_url, settings_config


class Settings(ServiceSettings):
    model_config = settings_config(BIKE_SHARE)

    port: int = BIKE_SHARE.default_port
    database_url: str = default_database_url(BIKE_SHARE)
