from pathlib import Path

from kernel.cli import run_cli
from services.signage.app import create_app
from services.signage.demo import load_demo
from services.signage.settings import Settings

run_cli(
    name="signage",
    settings_factory=Settings,
    app_factory=create_app,
    migrations_dir=Path(__file__).parent / "migrations",
    demo_loader=load_demo,
)
