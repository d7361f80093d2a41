from pathlib import Path

from kernel.cli import run_cli
from services.info_kiosk.app import create_app
from services.info_kiosk.demo import load_demo
from services.info_kiosk.settings import Settings

run_cli(
    name="info_kiosk",
    settings_factory=Settings,
    app_factory=create_app,
    migrations_dir=Path(__file__).parent / "migrations",
    demo_loader=load_demo,
)
