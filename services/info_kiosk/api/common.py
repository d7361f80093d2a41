"""What every route of info_kiosk takes: the operator's and the kiosk's scopes, the caller's
languages, a place's code in a path."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query
from pydantic import TypeAdapter, ValidationError

from kernel.auth import Principal, Scope
from kernel.deps import require_scopes
from kernel.hot_reads import Key, ReadRequest
from services.info_kiosk.domain import languages
from services.info_kiosk.schemas import CODE_PATTERN, LanguageTag

Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
# Outages come from operators, and from kiosks whose staff report a lift they see stopped.
OperatorOrKiosk = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.DISPLAY_KIOSK))]
AcceptLanguage = Annotated[str | None, Header(description="Used when `lang` is not given.")]
LANGUAGE_TAG = TypeAdapter(LanguageTag)
Language = Annotated[LanguageTag | None, Query(description="BCP 47 tag; else Accept-Language.")]
PlaceCode = Annotated[str, Path(pattern=CODE_PATTERN, max_length=64, description="e.g. exit-rue-pleyel")]


def negotiated(lang: str | None, accept_language: str | None) -> list[str]:
    """The caller's languages, the supported one that fits best first (unsupported: the station's)."""
    preferred = languages.preferred_languages(lang=lang, accept_language=accept_language)
    return [languages.negotiate_language(preferred), *preferred]


def language_key(request: ReadRequest) -> Key | None:
    """A hot read that varies only by the language it answers in: the station and that language."""
    if request.repeats_query("lang"):
        return None
    lang = request.query.get("lang")
    if lang is not None:
        try:
            LANGUAGE_TAG.validate_python(lang)
        except ValidationError:
            return None
    return request.station_id, negotiated(lang, request.headers.get("accept-language"))[0]
