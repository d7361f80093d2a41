"""The pages' dictionaries (web/**/i18n/<language>.json): French and English say the same things
everywhere, so switching language never shows a key; other languages (the kiosk's) may say less,
falling back to English, but never something French lacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[1] / "web"
FOLDERS = sorted({path.parent for path in WEB.glob("**/i18n/*.json")})


def keys(path: Path) -> set[str]:
    return set(json.loads(path.read_text(encoding="utf-8")))


def test_every_page_and_section_has_dictionaries() -> None:
    named = {folder.relative_to(WEB).as_posix() for folder in FOLDERS}
    for section in ("signage", "lockers", "mobility", "kiosk", "dashboard"):
        assert f"console/{section}/i18n" in named
    assert "console/i18n" in named and "common/i18n" in named


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.relative_to(WEB).as_posix())
def test_french_and_english_say_the_same_things(folder: Path) -> None:
    french, english = keys(folder / "fr.json"), keys(folder / "en.json")
    assert not french - english, f"missing in English: {sorted(french - english)}"
    assert not english - french, f"missing in French: {sorted(english - french)}"
    for other in folder.glob("*.json"):
        stray = keys(other) - french
        assert not stray, f"{other.name} has keys French lacks: {sorted(stray)}"
