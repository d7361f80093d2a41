"""The README's layout is the tree: every folder it names exists, and every top-level folder of the
project is named there."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).parents[1]


def layout_block() -> str:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


def named_folders() -> set[str]:
    return {m.group(1) for m in re.finditer(r"^([a-z_<>/]+/)\s", layout_block(), re.MULTILINE)}


def test_every_folder_the_layout_names_exists():
    named = named_folders()
    assert {"kernel/", "services/<service>/", "testkit/"} <= named  # the parse reads the block
    for folder in named:
        if "<service>" in folder:
            assert [p for p in (REPO / "services").iterdir() if (p / "app.py").exists()], folder
        else:
            assert (REPO / folder).is_dir(), folder


def test_every_top_level_folder_is_in_the_layout():
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    top = {path.split("/", 1)[0] + "/" for path in tracked if "/" in path and not path.startswith(".")}
    named = {folder.split("/", 1)[0] + "/" for folder in named_folders()}
    assert top - named == set()
