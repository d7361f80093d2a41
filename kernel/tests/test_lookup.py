"""`one_or_404`: the row the keywords name, or a 404 problem that says what was looked for, where."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from kernel.db import create_engine, create_sessionmaker, one_or_404
from kernel.errors import NotFound


class Base(DeclarativeBase):
    pass


class LockerBank(Base):
    __tablename__ = "locker_bank"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    station_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(16))


class Screen(Base):
    __tablename__ = "screen"
    __label__ = "screen of the station"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)


@pytest.fixture
async def session(tmp_path: Path) -> AsyncIterator[AsyncSession]:
    engine = create_engine(f"sqlite:///{tmp_path / 'lookup.sqlite'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with create_sessionmaker(engine)() as session:
        session.add_all(
            [
                LockerBank(id="b1", station_id="saint-denis-pleyel", code="A"),
                LockerBank(id="b2", station_id="villejuif-louis-aragon", code="A"),
            ]
        )
        await session.commit()
        yield session
    await engine.dispose()


async def test_the_row_the_keywords_name_is_found(session):
    bank = await one_or_404(
        session, LockerBank, "unknown-bank", station_id="villejuif-louis-aragon", code="A"
    )
    assert bank.id == "b2"


async def test_no_such_row_is_a_404_that_names_the_entity_and_the_station(session):
    with pytest.raises(NotFound) as caught:
        await one_or_404(session, LockerBank, "unknown-bank", station_id="saint-denis-pleyel", code="Z")
    assert caught.value.status == 404 and caught.value.slug == "unknown-bank"
    assert caught.value.detail == "The station saint-denis-pleyel has no locker bank with code 'Z'."


async def test_a_model_may_say_how_it_is_named(session):
    with pytest.raises(NotFound) as caught:
        await one_or_404(session, Screen, "unknown-screen", id="s9")
    assert caught.value.detail == "No screen of the station with id 's9'."
