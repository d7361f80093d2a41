from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PARCEL_LOCKERS_")

    port: int = 8101
    database_url: str = "sqlite+aiosqlite:///var/db/parcel_lockers.sqlite"
