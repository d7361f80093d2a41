"""Pricing plans of a system (GBFS `system_pricing_plans`), shared by every station."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.contracts import mobility
from kernel.db import one_or_404, utcnow
from kernel.errors import Conflict, InvalidInput
from kernel.pagination import PageRequest, page_of_rows
from kernel.rules import FieldProblem
from services.bike_share.models import PricingPlan, VehicleType
from services.bike_share.schemas import PricingPlanCreate, PricingPlanUpdate
from services.bike_share.shared import apply, commit_shared_change, count_where
from services.bike_share.systems import service as systems


async def require_in_system(session: AsyncSession, plan_id: str | None, system_id: str) -> None:
    """A plan a vehicle type names must be one of its system's: a 422 otherwise."""
    if plan_id is None:
        return
    plan = await session.get(PricingPlan, plan_id)
    if plan is None or plan.system_id != system_id:
        raise InvalidInput.from_problems(
            "The body names an unknown pricing plan.",
            [FieldProblem("pricing_plan_id", f"no pricing plan {plan_id!r} in system {system_id!r}")],
        )


async def page(
    *, session: AsyncSession, page: PageRequest, system_id: str | None = None
) -> tuple[list[PricingPlan], str | None]:
    query = select(PricingPlan)
    if system_id is not None:
        query = query.where(PricingPlan.system_id == system_id)
    return await page_of_rows(session, query, [PricingPlan.id], page)


async def create(
    *, session: AsyncSession, plan_in: PricingPlanCreate, stations: Iterable[str]
) -> PricingPlan:
    await systems.require(session=session, system_id=plan_in.system_id)
    plan = PricingPlan(**plan_in.model_dump())
    session.add(plan)
    await commit_shared_change(
        session, plan, mobility.CREATED, stations, detail=f"Pricing plan {plan.id!r} already exists."
    )
    return plan


async def update(
    *, session: AsyncSession, plan_id: str, plan_in: PricingPlanUpdate, stations: Iterable[str]
) -> PricingPlan:
    plan = await one_or_404(session, PricingPlan, "unknown-pricing-plan", id=plan_id)
    apply(plan, plan_in.model_dump(exclude_unset=True))
    plan.updated_at = utcnow()
    await commit_shared_change(session, plan, mobility.UPDATED, stations)
    return plan


async def delete(*, session: AsyncSession, plan_id: str, stations: Iterable[str]) -> None:
    plan = await one_or_404(session, PricingPlan, "unknown-pricing-plan", id=plan_id)
    used = await count_where(session, VehicleType.pricing_plan_id == plan_id)
    if used:
        raise Conflict(
            f"{used} vehicle type(s) still use pricing plan {plan_id!r}.", slug="pricing-plan-in-use"
        )
    await session.delete(plan)
    await commit_shared_change(session, plan, mobility.DELETED, stations)
