"""info_kiosk's settings: the kernel's, with its env prefix (INFO_KIOSK_...) and default port from the registry."""

from pydantic import Field

from kernel.registry import INFO_KIOSK
from kernel.settings import ServiceSettings, default_database_url, settings_config


class Settings(ServiceSettings):
    model_config = settings_config(INFO_KIOSK)

    port: int = INFO_KIOSK.default_port
    database_url: str = default_database_url(INFO_KIOSK)
    # A live panel whose source said nothing for this long is shown as stale (seconds).
    vehicles_stale_after_s: float = 600
    lockers_stale_after_s: float = 3600
    alerts_stale_after_s: float = 3600
    # Live departures: how often the ingest looks for sources due (each is pulled at its own interval).
    departures_ingest_enabled: bool = True
    departures_ingest_every_s: float = Field(default=1.0, ge=0.05)
    # `./dev up`: where the simulated producer serves the demo stations' feeds (the demo data registers
    # a SIRI Lite and a GTFS-Realtime source per station there). Unset: no demo sources.
    demo_departures_url: str | None = Field(default=None, pattern=r"^https?://[^?#\s]+$")
    # The GTFS export's feed_info.txt: who publishes the station graph. Unset, the URL is the gateway
    # that issues our tokens (the JWKS URL's origin), where the feed itself is served.
    gtfs_publisher_name: str = Field(default="Gare numérique", min_length=1)
    gtfs_publisher_url: str | None = Field(default=None, pattern=r"^https?://[^?#\s]+$")

    @property
    def gtfs_publisher_base_url(self) -> str:
        if self.gtfs_publisher_url:
            return self.gtfs_publisher_url
        return self.jwks_url.removesuffix("/.well-known/jwks.json").rstrip("/") + "/"
