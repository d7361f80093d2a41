from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNAGE_")

    port: int = 8102
    database_url: str = "sqlite+aiosqlite:///var/db/signage.sqlite"
