"""Constrained input types every service's schemas share, so a rule about text is written once."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field, StringConstraints

from services.common.i18n import is_language_tag

# No control characters: PostgreSQL refuses NUL in text, and no screen or kiosk can show the others.
Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$"),
]
# Longer texts may break lines; nothing else invisible.
MultilineText = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=1000, pattern=r"^[^\x00-\x09\x0b-\x1f\x7f]+$"
    ),
]
# Who a device is, as the gateway knows it (client_credentials client id).
ClientId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]


def _language_tag(tag: str) -> str:
    if not is_language_tag(tag):
        raise ValueError(f"{tag!r} is not a BCP 47 language tag such as 'fr' or 'pt-BR'")
    return tag


LanguageTag = Annotated[str, Field(min_length=2, max_length=35), AfterValidator(_language_tag)]

Tags = TypeVar("Tags", list[str], dict[str, str])


def distinct_languages(tags: Tags) -> Tags:
    """Refuse `fr` and `FR` together: tags compare case-insensitively (RFC 5646 §2.1.1)."""
    lowered = [tag.lower() for tag in tags]
    repeated = sorted({tag for tag in lowered if lowered.count(tag) > 1})
    if repeated:
        raise ValueError(f"languages listed more than once: {', '.join(repeated)}")
    return tags
