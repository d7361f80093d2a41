"""info_kiosk's settings: the kernel's, with its env prefix (INFO_KIOSK_...) and default port from the registry."""

from services.common.registry import INFO_KIOSK
from services.common.settings import ServiceSettings, default_database_url, settings_config


class Settings(ServiceSettings):
    model_config = settings_config(INFO_KIOSK)

    port: int = INFO_KIOSK.default_port
    database_url: str = default_database_url(INFO_KIOSK)
    # A live panel whose source said nothing for this long is shown as stale (seconds).
    vehicles_stale_after_s: float = 600
    lockers_stale_after_s: float = 3600
    alerts_stale_after_s: float = 3600
