"""One page shape: keyset pages over a real database (SQLite, and PostgreSQL when
`GARE_TEST_POSTGRES_URL` is set) give every row once, in order, while rows come and go; a cursor that
is not one of ours is a 400 problem; the OpenAPI document says how to page."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from sqlalchemy import Integer, String, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kernel.db import NAMING_CONVENTION, UTCDateTime, create_engine, create_sessionmaker
from kernel.errors import install_problem_handlers
from kernel.observability import RequestContextMiddleware
from kernel.pagination import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    InvalidCursor,
    Page,
    PageRequest,
    decode_cursor,
    encode_cursor,
    page_of_items,
    page_of_rows,
    page_request,
)
from testkit.service import assert_problem

POSTGRES_URL = os.environ.get("GARE_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


class Base(DeclarativeBase):
    pass


Base.metadata.naming_convention = NAMING_CONVENTION


class Notice(Base):
    __tablename__ = "notice"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


ORDER = (Notice.created_at, Notice.id)


@pytest.fixture(params=BACKENDS)
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    schema = None
    if request.param == "postgres":
        schema = f"t{uuid.uuid4().hex[:8]}_pages"
        engine = create_engine(POSTGRES_URL, schema=schema)
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    else:
        engine = create_engine(f"sqlite:///{tmp_path / 'pages.sqlite'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield create_sessionmaker(engine)
    if schema:
        async with engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


def notice(n: int, *, minutes: float, station_id: str = "saint-denis-pleyel") -> Notice:
    return Notice(
        id=f"n{n:03d}",
        station_id=station_id,
        code=f"C{n:03d}",
        rank=n % 4,
        created_at=T0 + timedelta(minutes=minutes),
    )


async def add(sessions: async_sessionmaker[AsyncSession], *notices: Notice) -> None:
    async with sessions() as session:
        session.add_all(notices)
        await session.commit()


async def walk(
    sessions: async_sessionmaker[AsyncSession], limit: int, *, descending: bool = False, between: Any = None
) -> list[str]:
    """Every id, page after page; `between(seen)` runs before each next page."""
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = PageRequest(limit=limit, after=decode_cursor(cursor) if cursor else None)
        async with sessions() as session:
            statement = select(Notice).where(Notice.station_id == "saint-denis-pleyel")
            rows, cursor = await page_of_rows(session, statement, ORDER, page, descending=descending)
        assert len(rows) <= limit
        seen += [row.id for row in rows]
        if cursor is None:
            return seen
        if between is not None:
            await between(seen)


async def test_paging_gives_every_row_once_in_order(sessions):
    # Minutes repeat: rows that tie on created_at are told apart by id.
    notices = [notice(n, minutes=n // 3) for n in range(20)]
    await add(sessions, *reversed(notices), notice(99, minutes=1, station_id="villejuif-louis-aragon"))
    assert await walk(sessions, 3) == [n.id for n in notices]
    assert await walk(sessions, 20) == [n.id for n in notices]
    assert await walk(sessions, MAX_LIMIT) == [n.id for n in notices]


async def test_the_last_full_page_says_there_is_no_next(sessions):
    await add(sessions, *(notice(n, minutes=n) for n in range(4)))
    async with sessions() as session:
        rows, cursor = await page_of_rows(session, select(Notice), ORDER, PageRequest(limit=4))
    assert len(rows) == 4 and cursor is None


async def test_rows_inserted_while_paging_are_never_given_twice_and_those_after_the_cursor_all_come(sessions):
    await add(sessions, *(notice(n, minutes=10 * n) for n in range(10)))
    minutes = {f"n{n:03d}": 10.0 * n for n in range(10)}
    before_cursor: list[str] = []
    after_cursor: list[str] = []

    async def insert_around(seen: list[str]) -> None:
        # One row before everything given so far, one just after the cursor, one at the far end.
        n = len(seen)
        if n > 8:  # then let the walk reach the end
            return
        at_cursor = minutes[seen[-1]]
        early, close, late = (
            notice(100 + n, minutes=-n),
            notice(200 + n, minutes=at_cursor + 0.5),
            notice(300 + n, minutes=1000 + n),
        )
        await add(sessions, early, close, late)
        minutes.update({early.id: -n, close.id: at_cursor + 0.5, late.id: 1000.0 + n})
        before_cursor.append(early.id)
        after_cursor.extend([close.id, late.id])

    seen = await walk(sessions, 2, between=insert_around)
    assert len(seen) == len(set(seen))
    assert {f"n{n:03d}" for n in range(10)} <= set(seen)
    assert set(after_cursor) <= set(seen)
    assert not set(before_cursor) & set(seen)
    assert seen == sorted(seen, key=lambda i: (minutes[i], i))


async def test_a_row_deleted_while_paging_does_not_lose_the_place(sessions):
    await add(sessions, *(notice(n, minutes=n) for n in range(6)))
    async with sessions() as session:
        first, cursor = await page_of_rows(session, select(Notice), ORDER, PageRequest(limit=2))
        await session.delete(first[-1])  # the row the cursor points at
        await session.commit()
    async with sessions() as session:
        rest, _ = await page_of_rows(
            session, select(Notice), ORDER, PageRequest(limit=10, after=decode_cursor(cursor or ""))
        )
    assert [r.id for r in rest] == ["n002", "n003", "n004", "n005"]


async def test_descending_pages_go_from_the_newest(sessions):
    notices = [notice(n, minutes=n // 2) for n in range(9)]
    await add(sessions, *notices)
    expected = [n.id for n in sorted(notices, key=lambda n: (n.created_at, n.id), reverse=True)]
    assert await walk(sessions, 2, descending=True) == expected


async def test_a_key_of_another_type_or_length_is_an_invalid_cursor(sessions):
    await add(sessions, notice(1, minutes=1))
    for after in [("n001",), (T0, "n001", 3), ("not a date", "n001")]:
        async with sessions() as session:
            with pytest.raises(InvalidCursor):
                await page_of_rows(session, select(Notice), ORDER, PageRequest(limit=2, after=after))


async def test_the_statement_keeps_its_filters_and_loses_its_own_order(sessions):
    await add(sessions, *(notice(n, minutes=n) for n in range(8)))
    statement = select(Notice).where(Notice.rank == 1).order_by(Notice.code.desc())
    async with sessions() as session:
        rows, cursor = await page_of_rows(session, statement, (Notice.code, Notice.id), PageRequest(limit=1))
        more, end = await page_of_rows(
            session,
            statement,
            (Notice.code, Notice.id),
            PageRequest(limit=5, after=decode_cursor(cursor or "")),
        )
    assert [r.id for r in rows + more] == ["n001", "n005"] and end is None


# -- the cursor ------------------------------------------------------------------------------------


def test_a_cursor_gives_back_the_key_with_its_types():
    key = (T0, date(2026, 12, 7), Decimal("1.50"), 7, 2.5, True, None, "é/+=")
    cursor = encode_cursor(key)
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert decode_cursor(cursor) == key
    identifier = uuid.uuid4()
    assert decode_cursor(encode_cursor((identifier,))) == (str(identifier),)


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "bm90IGpzb24",
        encode_cursor(("x",))[:-2] + "@@",
        "W10",
        "eyJhIjoxfQ",
        "W3siengiOiIxIn1d",
        "x" * 2000,
    ],
    ids=["empty", "not-base64", "not-json", "garbled", "empty-array", "object", "unknown-tag", "too-long"],
)
def test_what_is_not_a_cursor_of_ours_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


# -- in memory -------------------------------------------------------------------------------------


def test_items_in_memory_page_the_same_way():
    items: list[dict[str, Any]] = [{"code": f"C{n}", "at": T0 + timedelta(minutes=n % 3)} for n in range(7)]

    def key(item: dict[str, Any]) -> tuple[Any, ...]:
        return (item["at"], item["code"])

    for descending in (False, True):
        seen: list[str] = []
        page = PageRequest(limit=3)
        while True:
            chunk, cursor = page_of_items(items, key, page, descending=descending)
            seen += [item["code"] for item in chunk]
            if cursor is None:
                break
            page = PageRequest(limit=3, after=decode_cursor(cursor))
        assert seen == [i["code"] for i in sorted(items, key=key, reverse=descending)]
    with pytest.raises(InvalidCursor):
        page_of_items(items, key, PageRequest(limit=3, after=("C1", T0)))


# -- over HTTP -------------------------------------------------------------------------------------


def app_with_a_list() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="test")
    codes = [f"C{n:02d}" for n in range(5)]

    @app.get("/codes")
    async def list_codes(page: Annotated[PageRequest, Depends(page_request)]) -> Page[str]:
        items, next_cursor = page_of_items(codes, lambda code: (code,), page)
        return Page[str](items=items, next_cursor=next_cursor)

    return app


async def test_a_list_route_pages_and_refuses_a_bad_cursor():
    transport = httpx.ASGITransport(app=app_with_a_list())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        first = (await client.get("/codes", params={"limit": 2})).json()
        assert first["items"] == ["C00", "C01"] and first["next_cursor"]
        second = (await client.get("/codes", params={"limit": 2, "cursor": first["next_cursor"]})).json()
        assert second["items"] == ["C02", "C03"]
        everything = (await client.get("/codes")).json()
        assert everything == {"items": [f"C{n:02d}" for n in range(5)], "next_cursor": None}
        body = assert_problem(
            await client.get("/codes", params={"cursor": "not-ours"}), 400, "invalid-cursor"
        )
        assert body["errors"][0]["field"] == "cursor"
        assert_problem(await client.get("/codes", params={"limit": MAX_LIMIT + 1}), 422, "validation-error")
        assert_problem(await client.get("/codes", params={"limit": 0}), 422, "validation-error")


def test_the_openapi_document_says_how_to_page():
    operation = app_with_a_list().openapi()["paths"]["/codes"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert parameters["cursor"]["description"] and parameters["cursor"]["in"] == "query"
    limit = parameters["limit"]
    assert limit["schema"]["maximum"] == MAX_LIMIT and limit["schema"]["default"] == DEFAULT_LIMIT
    assert limit["description"]
    assert "invalid-cursor" in operation["responses"]["400"]["description"]
    schema = app_with_a_list().openapi()["components"]["schemas"]
    page = next(s for name, s in schema.items() if name.startswith("Page"))
    assert set(page["required"]) == {"items", "next_cursor"}
