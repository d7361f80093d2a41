from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INFO_KIOSK_")

    port: int = 8104
    database_url: str = "sqlite+aiosqlite:///var/db/info_kiosk.sqlite"
