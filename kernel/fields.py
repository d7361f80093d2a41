"""Constrained input types every service's schemas share, so a rule about input is written once.

Every rule here that JSON Schema can express is in the schema (a pattern, a length, a bound), so the
published OpenAPI says it and a generated client can check it before sending.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, ClassVar, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    Strict,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from kernel.i18n import LANGUAGE_TAG_PATTERN
from kernel.rules import EARLIEST_TIMESTAMP


class StrictInput(BaseModel):
    """A request body: no unknown field, and no coercion, so the body means what the schema says:
    `true` is not an integer, `"2"` is not a number, `1` is not a boolean. Declare integers with
    `JSON_INTEGER` and date-times as `Timestamp` (JSON writes `5.0` for 5, and dates as strings)."""

    model_config = ConfigDict(extra="forbid", strict=True)


class PartialUpdate(StrictInput):
    """A PATCH body: a field left out stays as it is; `null` clears only what may be empty. Name the
    fields that must keep a value in `not_null`: `null` there is refused at that field, never stored."""

    not_null: ClassVar[frozenset[str]] = frozenset()

    # Validators run only on the fields the body sets, so a field left out is never refused.
    @field_validator("*", mode="after")
    @classmethod
    def _no_null_where_a_value_is_needed(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name in cls.not_null:
            raise PydanticCustomError("null_not_allowed", "May not be null: leave the field out to keep it")
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        # The schema says it too: a `not_null` field may be left out, not set to null.
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for name in cls.not_null:
            field = properties.get(name, {})
            if "anyOf" in field:
                field["anyOf"] = [option for option in field["anyOf"] if option != {"type": "null"}]
                field.pop("default", None)
        return schema


def _integral_float(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# JSON Schema's `integer` is any number without a fraction, 5.0 included; strict int refuses it. Put it
# last in the Annotated, after Field(ge=..., le=...), so the bounds stay in the JSON schema.
JSON_INTEGER = BeforeValidator(_integral_float)


# Characters that show nothing on a screen: white space, controls, and the invisible format
# characters (zero-width space, joiners, direction marks, byte-order mark, braille blank...).
_INVISIBLE = (
    r"\s\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    r"\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0"
)
# One line of text that shows something: no control character (PostgreSQL refuses NUL, and no screen
# or kiosk can show the others), and at least one visible character, so a name is never blank.
LABEL_PATTERN = rf"^[^\x00-\x1f\x7f]*[^{_INVISIBLE}][^\x00-\x1f\x7f]*$"
# Longer texts may break lines; nothing else invisible.
MULTILINE_PATTERN = rf"^[^\x00-\x09\x0b-\x1f\x7f]*[^{_INVISIBLE}][^\x00-\x09\x0b-\x1f\x7f]*$"

Label = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=LABEL_PATTERN)
]
MultilineText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000, pattern=MULTILINE_PATTERN)
]
# Who a device is, as the gateway knows it (client_credentials client id).
ClientId = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]

# A parcel carrier, as couriers' accounts and parcels name it.
Carrier = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9-]+$", examples=["colissimo"])]

# BCP 47 (RFC 5646) language tags, in the schema so clients see the rule.
LanguageTag = Annotated[
    str,
    Field(
        min_length=2,
        max_length=35,
        pattern=LANGUAGE_TAG_PATTERN,
        description="BCP 47 language tag, e.g. `fr`, `en-GB`, `pt-BR`, `zh-Hant`",
        examples=["fr"],
    ),
]

# E.164: a plus, the country code, the subscriber number; 15 digits at most, no separators.
E164_PATTERN = r"^\+[1-9][0-9]{6,14}$"
PhoneNumber = Annotated[
    str, Field(pattern=E164_PATTERN, description="E.164 phone number", examples=["+33612345678"])
]
# A number as people type it: E.164, or a French national number (0X...), with spaces, dots, dashes or
# parentheses between digits. Exactly what normalize_phone_number turns into E.164.
_SEP = r"[\s.()-]{0,2}"
PHONE_NUMBER_INPUT_PATTERN = (
    rf"^{_SEP}(?:\+{_SEP}[1-9](?:{_SEP}[0-9]){{6,14}}|0{_SEP}[1-9](?:{_SEP}[0-9]){{8}}){_SEP}$"
)
_E164 = re.compile(E164_PATTERN)


def normalize_phone_number(raw: str) -> str | None:
    """The one rule for phone numbers: E.164, accepting the spaces, dots, dashes and parentheses
    people type; a French national number 0X... becomes +33X.... None: not a phone number."""
    compact = re.sub(r"[\s.\-()]", "", raw)
    if re.fullmatch(r"0[1-9][0-9]{8}", compact):
        compact = "+33" + compact[1:]
    return compact if _E164.match(compact) else None


def _to_e164(value: str) -> str:
    number = normalize_phone_number(value)
    if number is None:
        raise PydanticCustomError("phone_number", "Input should be a phone number, e.g. +33612345678")
    return number


# Every phone number a client sends: validated as typed, stored and compared in E.164.
PhoneNumberInput = Annotated[
    str,
    Field(
        max_length=32,
        pattern=PHONE_NUMBER_INPUT_PATTERN,
        description="E.164 (`+33612345678`); a French national number (`06 12 34 56 78`) is also accepted",
        examples=["+33612345678"],
    ),
    AfterValidator(_to_e164),
]

# RFC 3339 date-time with an offset, from 2000 to 2099: a device whose clock was never set reports
# 1970 (or the year 485); the domain bounds the other side (a little ahead of now at most).
TIMESTAMP_PATTERN = (
    r"^20[0-9]{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,6})?"
    r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)


def _timestamp_text(value: Any) -> Any:
    # Pydantic alone would also take 1700000000 or "1700000000" for a date: the schema says a string.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        raise PydanticCustomError(
            "datetime_format",
            "Input should be an RFC 3339 date-time with its offset, from year 2000, e.g. 2026-11-25T10:00:00Z",
        )
    return value


def _not_before_earliest(value: datetime) -> datetime:
    if value < EARLIEST_TIMESTAMP:
        raise PydanticCustomError(
            "datetime_too_early",
            "Input should be from {earliest} on: the clock that made it is not set",
            {"earliest": f"{EARLIEST_TIMESTAMP:%Y-%m-%d}"},
        )
    return value


Timestamp = Annotated[
    AwareDatetime,
    Strict(False),  # JSON carries dates as strings: parse them, StrictInput or not
    BeforeValidator(_timestamp_text),
    AfterValidator(_not_before_earliest),
    Field(json_schema_extra={"pattern": TIMESTAMP_PATTERN}),
]

Text = TypeVar("Text")


def _only_language_keys(schema: dict[str, Any]) -> None:
    # Pydantic writes the key rule as `patternProperties`, which alone lets any other key through.
    schema["additionalProperties"] = False


# Texts by language, e.g. {"fr": "Ascenseur", "en": "Lift"}: every key a BCP 47 tag, said in the schema.
ByLanguage = Annotated[dict[LanguageTag, Text], Field(json_schema_extra=_only_language_keys)]

Tags = TypeVar("Tags", list[str], dict[str, str])


def distinct_languages(tags: Tags) -> Tags:
    """Refuse `fr` and `FR` together: tags compare case-insensitively (RFC 5646 §2.1.1)."""
    lowered = [tag.lower() for tag in tags]
    repeated = sorted({tag for tag in lowered if lowered.count(tag) > 1})
    if repeated:
        raise ValueError(f"languages listed more than once: {', '.join(repeated)}")
    return tags
