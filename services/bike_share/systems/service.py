"""Systems (operators' vehicle-sharing systems), shared by every station of the deployment, and
the state of the GBFS feed each one may have."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts import mobility
from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, InvalidInput
from kernel.pagination import PageRequest, page_of_rows
from kernel.rules import FieldProblem
from services.bike_share.models import FeedState, PricingPlan, System, Vehicle, VehicleStation, VehicleType
from services.bike_share.schemas import SystemCreate, SystemUpdate
from services.bike_share.shared import apply, commit_shared_change, count_where


async def require(*, session: AsyncSession, system_id: str, field: str = "system_id") -> System:
    """A system a body names must exist: a 422 on that field otherwise."""
    found = await session.get(System, system_id)
    if found is None:
        raise InvalidInput.from_problems(
            "The body names an unknown system.", [FieldProblem(field, f"no system {system_id!r}")]
        )
    return found


async def page(*, session: AsyncSession, page: PageRequest) -> tuple[list[System], str | None]:
    return await page_of_rows(session, select(System), [System.id], page)


async def create(*, session: AsyncSession, system_in: SystemCreate, stations: Iterable[str]) -> System:
    system = System(**system_in.model_dump())
    session.add(system)
    if system.feed_url:
        session.add(FeedState(system_id=system.id, url=system.feed_url, state="pending", etags={}))
    await commit_shared_change(
        session, system, mobility.CREATED, stations, detail=f"System {system.id!r} already exists."
    )
    return system


async def update(
    *, session: AsyncSession, system_id: str, system_in: SystemUpdate, stations: Iterable[str]
) -> System:
    system = await one_or_404(session, System, "unknown-system", id=system_id)
    changes = system_in.model_dump(exclude_unset=True)
    apply(system, changes)
    if "feed_url" in changes:
        feed = await session.get(FeedState, system_id)
        if system.feed_url is None and feed is not None:
            await session.delete(feed)
        elif system.feed_url is not None and feed is None:
            session.add(FeedState(system_id=system.id, url=system.feed_url, state="pending", etags={}))
        elif system.feed_url is not None and feed is not None:
            feed.url, feed.state, feed.reason, feed.etags = system.feed_url, "pending", None, {}
    system.updated_at = utcnow()
    await commit_shared_change(session, system, mobility.UPDATED, stations)
    return system


async def delete(*, session: AsyncSession, system_id: str, stations: Iterable[str]) -> None:
    """A system goes only once nothing of it is left: its stations, vehicles, types and plans."""
    system = await one_or_404(session, System, "unknown-system", id=system_id)
    for model in (VehicleStation, Vehicle, VehicleType, PricingPlan):
        used = await count_where(session, model.system_id == system_id)
        if used:
            raise Conflict(
                f"System {system_id!r} still has {used} {model.__tablename__.replace('_', ' ')}(s); remove them first.",
                slug="system-in-use",
            )
    feed = await session.get(FeedState, system_id)
    if feed is not None:
        await session.delete(feed)
    await session.delete(system)
    await commit_shared_change(session, system, mobility.DELETED, stations)


async def ensure(*, session: AsyncSession, system: System) -> None:
    """Add a system unless it exists (demo data, tests)."""
    if await session.get(System, system.id) is None:
        session.add(system)
        await session.commit()


async def feed_states(*, session: AsyncSession) -> Sequence[FeedState]:
    """Every feed's state: what the ingest looks through for the feeds due."""
    return (await session.scalars(select(FeedState).order_by(FeedState.system_id))).all()


async def page_of_feeds(*, session: AsyncSession, page: PageRequest) -> tuple[list[FeedState], str | None]:
    return await page_of_rows(session, select(FeedState), [FeedState.system_id], page)
