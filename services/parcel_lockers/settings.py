"""parcel_lockers's settings: the kernel's, with its env prefix (PARCEL_LOCKERS_...) and default port from the registry."""

from services.common.registry import PARCEL_LOCKERS
from services.common.settings import ServiceSettings, default_database_url, settings_config


class Settings(ServiceSettings):
    model_config = settings_config(PARCEL_LOCKERS)

    port: int = PARCEL_LOCKERS.default_port
    database_url: str = default_database_url(PARCEL_LOCKERS)
