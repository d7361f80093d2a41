from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BIKE_SHARE_")

    port: int = 8103
    database_url: str = "sqlite+aiosqlite:///var/db/bike_share.sqlite"
