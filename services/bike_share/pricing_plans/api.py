"""Pricing plans (shared by every station)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from kernel.db import one_or_404
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.pagination import Page
from kernel.registry import BIKE_SHARE
from services.bike_share.dependencies import IN_USE, IdPath, NetworkAdmin, PageAsked, SystemFilter, served
from services.bike_share.models import PricingPlan
from services.bike_share.pricing_plans import service as pricing_plans
from services.bike_share.schemas import (
    PricingPlanCreate,
    PricingPlanPublic,
    PricingPlanUpdate,
)

router = APIRouter(prefix=BIKE_SHARE.path_prefix, tags=["mobility"])


@router.get("/pricing-plans", summary="Pricing plans, paginated, by system")
async def list_pricing_plans(
    station_id: StationId,
    session: SessionDep,
    page: PageAsked,
    system_id: SystemFilter = None,
) -> Page[PricingPlanPublic]:
    rows, next_cursor = await pricing_plans.page(session=session, page=page, system_id=system_id)
    return Page(items=[PricingPlanPublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/pricing-plans", status_code=status.HTTP_201_CREATED, summary="Add a pricing plan", responses=IN_USE
)
async def create_pricing_plan(
    station_id: StationId,
    plan_in: PricingPlanCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    _: NetworkAdmin,
) -> PricingPlanPublic:
    created = await pricing_plans.create(session=session, plan_in=plan_in, stations=served(runtime))
    return PricingPlanPublic.model_validate(created)


@router.get("/pricing-plans/{plan_id}", summary="One pricing plan")
async def get_pricing_plan(station_id: StationId, plan_id: IdPath, session: SessionDep) -> PricingPlanPublic:
    return PricingPlanPublic.model_validate(
        await one_or_404(session, PricingPlan, "unknown-pricing-plan", id=plan_id)
    )


@router.patch("/pricing-plans/{plan_id}", summary="Change a pricing plan")
async def update_pricing_plan(
    station_id: StationId,
    plan_id: IdPath,
    plan_in: PricingPlanUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    _: NetworkAdmin,
) -> PricingPlanPublic:
    updated = await pricing_plans.update(
        session=session, plan_id=plan_id, plan_in=plan_in, stations=served(runtime)
    )
    return PricingPlanPublic.model_validate(updated)


@router.delete(
    "/pricing-plans/{plan_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a pricing plan",
    responses=IN_USE,
)
async def delete_pricing_plan(
    station_id: StationId, plan_id: IdPath, session: SessionDep, runtime: RuntimeDep, _: NetworkAdmin
) -> Response:
    await pricing_plans.delete(session=session, plan_id=plan_id, stations=served(runtime))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
