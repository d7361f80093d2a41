"""Layouts' routes: the templates and the station's own layouts, by code."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import SIGNAGE
from services.signage.deps import CodePath, Operator, PageDep
from services.signage.layouts import domain, service
from services.signage.layouts.domain import LayoutOrientation
from services.signage.models import Layout
from services.signage.schemas import LayoutCreate, LayoutPublic, LayoutUpdate

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])

UNKNOWN_LAYOUT = "`unknown-layout`: no layout with this code here."
BUILTIN = "`layout-builtin`: a template is read only."


def _public(layout: domain.Layout | Layout) -> LayoutPublic:
    shown = service.layout_of(layout) if isinstance(layout, Layout) else layout
    return LayoutPublic.model_validate(service.layout_public(shown))


@router.post(
    "/layouts",
    status_code=status.HTTP_201_CREATED,
    summary="Add a layout: a screen divided into regions (content, departures, ticker, clock) on a grid",
    responses=problem_responses({409: "`layout-code-taken`: a layout or template has this code."}),
)
async def create_layout(
    station_id: StationId, layout_in: LayoutCreate, session: SessionDep, _: Operator
) -> LayoutPublic:
    return _public(await service.create_layout(session=session, station_id=station_id, layout_in=layout_in))


@router.get("/layouts", summary="The built-in templates and the station's layouts, by code")
async def list_layouts(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    page: PageDep,
    orientation: Annotated[
        LayoutOrientation | None, Query(description="Those made for it (and `any`)")
    ] = None,
    builtin: Annotated[bool | None, Query(description="Templates only, or the station's only")] = None,
) -> Page[LayoutPublic]:
    layouts, next_cursor = await service.page_layouts(
        session=session, station_id=station_id, page=page, orientation=orientation, builtin=builtin
    )
    return Page(items=[_public(layout) for layout in layouts], next_cursor=next_cursor)


@router.get(
    "/layouts/{code}", summary="One layout or template", responses=problem_responses({404: UNKNOWN_LAYOUT})
)
async def get_layout(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> LayoutPublic:
    return _public(await service.get_layout(session=session, station_id=station_id, code=code))


@router.put(
    "/layouts/{code}",
    summary="Redraw a layout; the screens showing it change at once",
    responses=problem_responses({404: UNKNOWN_LAYOUT, 409: BUILTIN}),
)
async def update_layout(
    station_id: StationId, code: CodePath, layout_in: LayoutUpdate, session: SessionDep, _: Operator
) -> LayoutPublic:
    return _public(
        await service.update_layout(session=session, station_id=station_id, code=code, layout_in=layout_in)
    )


@router.delete(
    "/layouts/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a layout no screen or schedule shows",
    responses=problem_responses(
        {404: UNKNOWN_LAYOUT, 409: [BUILTIN, "`layout-in-use`: a screen or schedule shows it."]}
    ),
)
async def delete_layout(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> Response:
    await service.delete_layout(session=session, station_id=station_id, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
