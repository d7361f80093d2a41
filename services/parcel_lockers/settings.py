"""parcel_lockers's settings: the kernel's, with its env prefix (PARCEL_LOCKERS_...) and default port from the registry."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from kernel.notifier import NotifierSettings
from kernel.registry import PARCEL_LOCKERS
from kernel.settings import ServiceSettings, default_database_url, settings_config


class Settings(ServiceSettings):
    model_config = settings_config(PARCEL_LOCKERS)

    port: int = PARCEL_LOCKERS.default_port
    database_url: str = default_database_url(PARCEL_LOCKERS)
    notifier: NotifierSettings = Field(default_factory=NotifierSettings)
    # Ed25519 key signing the QR unlock tokens; controllers verify them with its public half. The
    # embedded run makes one on first start; production mounts it.
    unlock_key_file: Path = Path("var/keys/parcel_lockers/unlock.pem")
    unlock_token_seconds: int = Field(default=300, ge=30, le=3600)
    controller_timeout_seconds: float = Field(default=3.0, gt=0, le=30)
    # A door left open longer than this takes its compartment out of service.
    door_open_limit_seconds: int = Field(default=300, ge=10)
    # The bank's screen shows a code that changes this often; the app's open request carries it.
    presence_code_seconds: int = Field(default=30, ge=10, le=600)
    keypad_lockout_seconds: int = Field(default=900, ge=10)
    reminder_hours_before_expiry: int = Field(default=24, ge=1, le=240)
    sweep_interval_seconds: float = Field(default=30.0, gt=0)

    def serving_problem(self) -> str | None:
        """Why this process cannot serve in production (migrations run without these)."""
        if self.environment != "production":
            return None
        problem = self.notifier.production_problem()
        if problem:
            return problem
        if not self.unlock_key_file.is_file():
            return f"production needs the unlock signing key at {self.unlock_key_file} (PARCEL_LOCKERS_UNLOCK_KEY_FILE)"
        return None

    @property
    def app_url(self) -> str:
        """Where the SMS link leads: the traveller web app's parcels view, on the public URL."""
        return f"{self.public_base_url}/app/#/parcels"
