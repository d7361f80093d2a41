from pathlib import Path

from kernel.cli import run_cli
from services.bike_share.app import create_app
from services.bike_share.demo import load_demo
from services.bike_share.settings import Settings

run_cli(
    name="bike_share",
    settings_factory=Settings,
    app_factory=create_app,
    migrations_dir=Path(__file__).parent / "migrations",
    demo_loader=load_demo,
)
