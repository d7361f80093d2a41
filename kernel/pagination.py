"""One page shape for every list: `{"items": [...], "next_cursor": str | null}`.

A list route takes `page: PageRequest = Depends(page_request)` (query `cursor` and `limit`, plus its
own filters as query parameters) and answers `Page[XPublic]`. The cursor is opaque to clients: the
URL-safe base64 of a small JSON array holding the sort key of the last item given. Keyset, not
offsets: a page starts strictly after that key, so rows inserted or deleted meanwhile never make a
client see an item twice or skip one that sorts after where it stands.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.types import TypeDecorator

from kernel.errors import Problem
from kernel.openapi import declares

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# A cursor holds a few key values; anything longer is not one of ours.
MAX_CURSOR_LENGTH = 1024

T = TypeVar("T")
# A sort key: a column expression, or a mapped attribute such as `Parcel.created_at`.
PageKey = ColumnElement[Any] | QueryableAttribute[Any]

INVALID_CURSOR_NOTE = "`invalid-cursor`: `cursor` is not a `next_cursor` this list gave."


class InvalidCursor(Problem):
    status, slug = 400, "invalid-cursor"

    def __init__(self, detail: str = "The cursor is not one this list gave; start again without it.") -> None:
        super().__init__(
            detail, title="Invalid cursor", errors=[{"in": "query", "field": "cursor", "detail": detail}]
        )


class Page(BaseModel, Generic[T]):
    """One page of a list, in the list's order. Pass `next_cursor` as `cursor` for the next page."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Opaque; give it as `cursor` to get the next page. null: this is the last page."
    )


@dataclass(frozen=True)
class PageRequest:
    """What a client asked for: at most `limit` items, after the key a cursor decoded to (None: from the start)."""

    limit: int
    after: tuple[Any, ...] | None = None


@declares({400: INVALID_CURSOR_NOTE})
def page_request(
    cursor: Annotated[
        str | None,
        Query(description="The `next_cursor` of the previous page; leave out for the first page."),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page, at most {MAX_LIMIT}.")
    ] = DEFAULT_LIMIT,
) -> PageRequest:
    """FastAPI dependency: the page a request asks for; a cursor that does not decode is a 400."""
    return PageRequest(limit=limit, after=decode_cursor(cursor) if cursor is not None else None)


# -- the cursor ----------------------------------------------------------------------------------

# JSON has no dates or decimals: such values travel as {"<tag>": text} and come back as themselves.
_TAGS: dict[str, Callable[[str], Any]] = {
    "dt": datetime.fromisoformat,
    "d": date.fromisoformat,
    "dec": Decimal,
}


def _encode_value(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"dec": str(value)}
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"a page key of type {type(value).__name__} cannot go in a cursor")


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError("a tagged value has one tag")
        [(tag, text)] = value.items()
        if tag not in _TAGS or not isinstance(text, str):
            raise ValueError(f"unknown tag {tag!r}")
        return _TAGS[tag](text)
    if isinstance(value, list):
        raise ValueError("a key value is not a list")
    return value


def encode_cursor(key: Sequence[Any]) -> str:
    """The cursor of a page that ends with an item of this sort key."""
    text = json.dumps([_encode_value(v) for v in key], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, ...]:
    """The sort key a cursor carries; anything else is `InvalidCursor`."""
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw.decode())
        if not isinstance(values, list) or not values:
            raise ValueError("a cursor is a non-empty JSON array")
        return tuple(_decode_value(v) for v in values)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError, InvalidOperation) as exc:
        raise InvalidCursor() from exc


def _coerce(value: Any, python_type: type) -> Any:
    """A cursor value as the key's own type (a UUID column gets a UUID, an enum its member)."""
    if value is None or isinstance(value, python_type):
        return value
    if issubclass(python_type, enum.Enum):
        try:
            return python_type(value)
        except ValueError:
            return python_type[value]
    if python_type is uuid.UUID and isinstance(value, str):
        return uuid.UUID(value)
    if python_type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if python_type is Decimal and isinstance(value, int | float | str):
        return Decimal(str(value))
    raise TypeError(f"expected {python_type.__name__}, got {type(value).__name__}")


def _matching(after: tuple[Any, ...], types: Sequence[type | None]) -> tuple[Any, ...]:
    if len(after) != len(types):
        raise InvalidCursor()
    try:
        return tuple(v if t is None else _coerce(v, t) for v, t in zip(after, types, strict=True))
    except (TypeError, ValueError, KeyError, InvalidOperation) as exc:
        raise InvalidCursor() from exc


def _python_type(key: ColumnElement[Any]) -> type | None:
    column_type = key.type
    if isinstance(column_type, TypeDecorator):  # UTCDateTime says `object`; what it stores says more
        column_type = column_type.impl_instance
    try:
        python_type = column_type.python_type
    except NotImplementedError:
        return None
    return None if python_type is object else python_type


# -- one page ------------------------------------------------------------------------------------


async def page_of_rows(
    session: AsyncSession,
    statement: Select[Any],
    keys: Sequence[PageKey],
    page: PageRequest,
    *,
    descending: bool = False,
) -> tuple[list[Any], str | None]:
    """One page of `statement` (its filters; its own order is replaced) ordered by `keys`, which
    must be unique together and not null (end with the primary key). Returns the first column of
    each row (the entity, for `select(Model)`) and the next page's cursor."""
    columns = [key.__clause_element__() if isinstance(key, QueryableAttribute) else key for key in keys]
    keyed = statement.add_columns(*(column.label(f"_page_key_{i}") for i, column in enumerate(columns)))
    if page.after is not None:
        after = _matching(page.after, [_python_type(column) for column in columns])
        left = tuple_(*columns)
        right = tuple_(*(literal(value, c.type) for value, c in zip(after, columns, strict=True)))
        keyed = keyed.where(left < right if descending else left > right)
    order = [column.desc() if descending else column.asc() for column in columns]
    keyed = keyed.order_by(None).order_by(*order).limit(page.limit + 1)
    rows = (await session.execute(keyed)).all()
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    width = len(columns)
    next_cursor = encode_cursor(tuple(rows[-1][-width:])) if more else None
    return [row[0] for row in rows], next_cursor


def page_of_items(
    items: Iterable[T],
    key: Callable[[T], tuple[Any, ...]],
    page: PageRequest,
    *,
    descending: bool = False,
) -> tuple[list[T], str | None]:
    """The same over a list built in memory: sorted by `key` (unique per item), one page of it."""
    ordered = sorted(items, key=key, reverse=descending)
    if page.after is not None and ordered:
        after = _matching(page.after, [type(v) if v is not None else None for v in key(ordered[0])])
        try:
            ordered = [i for i in ordered if (key(i) < after if descending else key(i) > after)]
        except TypeError as exc:
            raise InvalidCursor() from exc
    chunk = ordered[: page.limit]
    more = len(ordered) > page.limit
    return chunk, encode_cursor(key(chunk[-1])) if more else None
