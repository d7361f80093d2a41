from pathlib import Path

from kernel.cli import run_cli
from services.parcel_lockers.app import create_app
from services.parcel_lockers.demo import load_demo
from services.parcel_lockers.settings import Settings

run_cli(
    name="parcel_lockers",
    settings_factory=Settings,
    app_factory=create_app,
    migrations_dir=Path(__file__).parent / "migrations",
    demo_loader=load_demo,
)
