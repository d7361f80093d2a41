"""Texts in several languages, chosen by BCP 47 tag with fallback (fr-CA -> fr -> en -> any)."""

from __future__ import annotations

import re
from collections.abc import Mapping

DEFAULT_LANGUAGE = "fr"
FALLBACK_LANGUAGE = "en"
# The languages the project's pages speak (web/common/i18n, the kiosk's eight): what a station may
# welcome travellers in. A regional tag (pt-BR) counts by its language.
INTERFACE_LANGUAGES = ("fr", "en", "es", "de", "it", "pt", "zh", "ar")
# RFC 5646 §2.1 "langtag": language (ISO 639, with up to three extended subtags), script, region,
# variants, extensions, private use. Grandfathered tags and 4-8 letter languages (none in use) are left out.
LANGUAGE_TAG_PATTERN = (
    r"^[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}"
    r"(?:-[A-Za-z]{4})?"
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(?:-[0-9A-WYZa-wyz](?:-[A-Za-z0-9]{2,8})+)*"
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$"
)
_TAG = re.compile(LANGUAGE_TAG_PATTERN)

LocalizedText = Mapping[str, str]


def is_language_tag(tag: str) -> bool:
    return bool(_TAG.match(tag))


def parse_accept_language(header: str | None) -> list[str]:
    """Language tags of an Accept-Language header, best first (RFC 9110 §12.5.4)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*" or not is_language_tag(tag):
            continue
        quality = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                quality = float(match.group(1))
            except ValueError:
                continue
        if quality > 0:
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def fallback_chain(preferred: list[str]) -> list[str]:
    """fr-CA, en -> fr-ca, fr, en, then the station's default and English."""
    chain: list[str] = []
    for tag in [*preferred, DEFAULT_LANGUAGE, FALLBACK_LANGUAGE]:
        parts = tag.lower().split("-")
        for end in range(len(parts), 0, -1):
            candidate = "-".join(parts[:end])
            if candidate not in chain:
                chain.append(candidate)
    return chain


def pick(texts: LocalizedText, preferred: list[str]) -> tuple[str, str] | None:
    """(language, text) of the best available translation, or None when there is no text at all."""
    if not texts:
        return None
    by_lower = {tag.lower(): (tag, text) for tag, text in texts.items()}
    for candidate in fallback_chain(preferred):
        if candidate in by_lower:
            return by_lower[candidate]
    first = sorted(texts)[0]
    return first, texts[first]


def is_interface_language(tag: str) -> bool:
    """Whether the project's pages speak this BCP 47 tag's language (`pt-BR` by `pt`)."""
    return is_language_tag(tag) and tag.split("-")[0].lower() in INTERFACE_LANGUAGES
