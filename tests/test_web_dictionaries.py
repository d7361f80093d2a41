"""The pages' dictionaries (web/**/i18n/<language>.json): French and English say the same things
everywhere, so switching language never shows a key; other languages (the kiosk's) may say less,
falling back to English, but never something French lacks."""

from __future__ import annotations

import json
import re
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


# Each web client names the languages it offers (`const LANGUAGES = [...]`, given to i18n.start);
# every dictionary it loads (its own folders and web/common's) must say everything in each of them.
CLIENTS = {"app": "app/app.js", "kiosk": "kiosk/kiosk.js", "console": "console/console.js"}
_LANGUAGES = re.compile(r"const LANGUAGES = \[([^\]]*)\]")


def offered_languages(entry: str) -> list[str]:
    found = _LANGUAGES.search((WEB / entry).read_text(encoding="utf-8"))
    assert found, f"{entry} declares no LANGUAGES"
    return re.findall(r'"([^"]+)"', found.group(1))


def test_every_client_that_starts_i18n_is_checked() -> None:
    starters = {
        path.relative_to(WEB).as_posix()
        for path in WEB.glob("**/*.js")
        if "i18n.start(" in path.read_text(encoding="utf-8")
    }
    assert starters == set(CLIENTS.values())


CLIENT_DICTIONARIES = [
    (client, folder, language)
    for client, entry in CLIENTS.items()
    for folder in [*(f for f in FOLDERS if f.is_relative_to(WEB / client)), WEB / "common" / "i18n"]
    for language in offered_languages(entry)
]


@pytest.mark.parametrize(
    ("client", "folder", "language"),
    CLIENT_DICTIONARIES,
    ids=[
        f"{client}:{folder.relative_to(WEB).as_posix()}:{language}"
        for client, folder, language in CLIENT_DICTIONARIES
    ],
)
def test_every_dictionary_a_client_loads_speaks_its_languages(
    client: str, folder: Path, language: str
) -> None:
    dictionary = folder / f"{language}.json"
    assert dictionary.exists(), f"the {client} offers {language} but {dictionary.relative_to(WEB)} is missing"
    french, translated = keys(folder / "fr.json"), keys(dictionary)
    assert not french - translated, f"missing in {dictionary.relative_to(WEB)}: {sorted(french - translated)}"
