"""Docs name the stations as the API does: by the catalog's display name (what `GET /api/v1/stations`
answers) or by the slug, never by a third spelling a reader cannot find in any answer."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from deploy.embedded.stack import CATALOG_DIR, REPO_ROOT
from gateway.directory import StationPublic
from kernel.catalog import CatalogStation, load_catalog

SKIPPED_FOLDERS = {".git", ".venv", "node_modules", "var", ".ruff_cache", ".mypy_cache", ".pytest_cache"}
# A run of capitalised words joined by spaces or dashes (hyphen, en dash, em dash), as station names are.
APOSTROPHES = "'\u2019"
WORD = rf"[A-ZÀ-Ý][\w{APOSTROPHES}]*(?:-[\wÀ-ÿ{APOSTROPHES}]+)*"
NAME_LIKE = re.compile(rf"{WORD}(?:(?:\s*[-\u2013\u2014]\s*|\s+){WORD})*")
EN_DASH = "\u2013"
CATALOG = load_catalog(CATALOG_DIR)


def tokens(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.findall(r"[a-z0-9]+", plain)


def one_spacing(text: str) -> str:
    return " ".join(text.split())


def misnamed(text: str, station: CatalogStation) -> list[str]:
    """Every spelling of `station` in `text` that is not the catalog's (a slug is not a spelling:
    it has no capital)."""
    first, last = tokens(station.slug)[0], tokens(station.slug)[-1]
    found = []
    for match in NAME_LIKE.finditer(text):
        words = tokens(match.group())
        if first in words and last in words and one_spacing(station.name) not in one_spacing(match.group()):
            found.append(one_spacing(match.group()))
    return found


def user_docs() -> list[Path]:
    return sorted(
        path
        for path in REPO_ROOT.rglob("*.md")
        if not SKIPPED_FOLDERS & set(path.relative_to(REPO_ROOT).parts)
    )


def test_the_finder_catches_every_other_spelling_and_passes_the_catalog_one():
    villejuif = next(s for s in CATALOG if s.slug == "villejuif-institut-gustave-roussy")
    for wrong in (
        f"Villejuif {EN_DASH} Institut Gustave-Roussy",
        "Villejuif Institut Gustave-Roussy",
        f"Villejuif {EN_DASH} Institut\nGustave Roussy",
        "Villejuif Gustave Roussy",
    ):
        assert misnamed(f"Demo stations: **{wrong}** (line 14)", villejuif) == [one_spacing(wrong)]
    for right in (
        f"**{villejuif.name}** (`{villejuif.slug}`)",
        "Villejuif -\nGustave Roussy: 4 levels",
        "Villejuif Louis Aragon, another station",
    ):
        assert misnamed(right, villejuif) == []


@pytest.mark.parametrize("path", user_docs(), ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_docs_name_every_station_as_the_api_does(path: Path):
    text = path.read_text(encoding="utf-8")
    wrong = {station.slug: misnamed(text, station) for station in CATALOG}
    assert not any(wrong.values()), {slug: names for slug, names in wrong.items() if names}


def test_the_api_reference_shows_a_station_name_the_api_gives():
    examples = json.dumps(StationPublic.model_json_schema(), ensure_ascii=False)
    names = {station.name for station in CATALOG}
    assert not any(misnamed(examples, station) for station in CATALOG), examples
    assert any(name in examples for name in names)
