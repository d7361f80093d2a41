"""Which language a traveller reads: the kiosk's button, the browser's list, the station's own."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

from kernel import i18n
from kernel.i18n import parse_accept_language
from services.info_kiosk import texts


def repeated_language_tags(texts: Mapping[str, str]) -> list[str]:
    """Tags that differ only by case (`fr`, `FR`): tags are case-insensitive, so one would hide the other."""
    by_lower: dict[str, list[str]] = {}
    for tag in texts:
        by_lower.setdefault(tag.lower(), []).append(tag)
    return sorted(tag for tags in by_lower.values() if len(tags) > 1 for tag in tags)


def preferred_languages(*, lang: str | None, accept_language: str | None) -> list[str]:
    """The kiosk's language button (`lang`) wins over the browser's Accept-Language."""
    return [lang] if lang else parse_accept_language(accept_language)


def reading_order(text: str) -> str:
    """How people look a name up in a list: without case or accents (Étoiles next to Etoile)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def localized(texts: Mapping[str, str], preferred: Sequence[str]) -> str:
    chosen = i18n.pick(texts, list(preferred))
    return chosen[1] if chosen else ""


def negotiate_language(preferred: Sequence[str], station_default: str = i18n.DEFAULT_LANGUAGE) -> str:
    """The supported language that best fits the caller's list, else the station's default."""
    for candidate in i18n.fallback_chain([*preferred, station_default]):
        if candidate in texts.LANGUAGES:
            return candidate
    return station_default
