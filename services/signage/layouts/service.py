"""Layouts: the built-in templates and the station's own, by code; which screens and schedules use one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import one_or_404
from kernel.errors import Conflict, InvalidInput, commit_or_conflict
from kernel.hot_reads import mark_changed
from kernel.pagination import PageRequest, page_of_items
from services.signage.invalidation import PLAYLISTS
from services.signage.layouts import domain
from services.signage.models import Layout, Schedule, Screen
from services.signage.schemas import LayoutCreate, LayoutUpdate


def region_of(stored: dict[str, Any]) -> domain.Region:
    return domain.Region(
        name=stored["name"],
        kind=stored["kind"],
        stops=tuple(stored.get("stops", ())),
        lines=tuple(stored.get("lines", ())),
        modes=tuple(stored.get("modes", ())),
        rows=int(stored.get("rows", 6)),
    )


def layout_of(layout: Layout) -> domain.Layout:
    return domain.Layout(
        code=layout.code,
        name=layout.name,
        orientation=layout.orientation,
        columns=tuple(layout.columns),
        rows=tuple(layout.rows),
        areas=tuple(layout.areas),
        regions=tuple(region_of(r) for r in layout.regions),
    )


def layout_public(layout: domain.Layout) -> dict[str, Any]:
    return domain.layout_shape(layout) | {
        "regions": [
            {
                "name": r.name,
                "kind": r.kind,
                "stops": list(r.stops),
                "lines": list(r.lines),
                "modes": list(r.modes),
                "rows": r.rows,
            }
            for r in layout.regions
        ],
        "builtin": layout.builtin,
    }


async def station_layouts(*, session: AsyncSession, station_id: str) -> dict[str, domain.Layout]:
    """The station's own layouts by code (the templates are in `domain.TEMPLATES`)."""
    rows = await session.scalars(select(Layout).where(Layout.station_id == station_id))
    return {row.code: layout_of(row) for row in rows}


async def page_layouts(
    *,
    session: AsyncSession,
    station_id: str,
    page: PageRequest,
    orientation: str | None,
    builtin: bool | None,
) -> tuple[list[domain.Layout], str | None]:
    """The templates and the station's layouts, by code, a page at a time."""
    every = [
        *domain.TEMPLATES.values(),
        *(await station_layouts(session=session, station_id=station_id)).values(),
    ]
    chosen = [
        layout
        for layout in every
        if (orientation is None or layout.orientation in (orientation, "any"))
        and (builtin is None or layout.builtin == builtin)
    ]
    return page_of_items(chosen, lambda layout: (layout.code,), page)


async def get_layout(*, session: AsyncSession, station_id: str, code: str) -> domain.Layout:
    if code in domain.TEMPLATES:
        return domain.TEMPLATES[code]
    return layout_of(await one_or_404(session, Layout, "unknown-layout", station_id=station_id, code=code))


def _checked(layout_in: LayoutUpdate) -> dict[str, Any]:
    regions = [
        domain.Region(r.name, r.kind, tuple(r.stops), tuple(r.lines), tuple(r.modes), r.rows)
        for r in layout_in.regions
    ]
    problems = domain.layout_problems(
        columns=layout_in.columns, rows=layout_in.rows, areas=layout_in.areas, regions=regions
    )
    if problems:
        raise InvalidInput.from_problems("The layout's grid cannot be drawn; see `errors`.", problems)
    values = layout_in.model_dump()
    values["areas"] = [" ".join(row.split()) for row in layout_in.areas]
    return values


def _builtin(code: str) -> Conflict:
    return Conflict(f"{code!r} is a built-in template: copy it under a new code.", slug="layout-builtin")


async def create_layout(*, session: AsyncSession, station_id: str, layout_in: LayoutCreate) -> Layout:
    """Add a layout of the station's own."""
    values = _checked(layout_in)
    taken = layout_in.code in domain.TEMPLATES or await session.scalar(
        select(Layout.id).where(Layout.station_id == station_id, Layout.code == layout_in.code)
    )
    if taken:
        raise Conflict.taken(f"Layout {layout_in.code!r} already exists.", "code", slug="layout-code-taken")
    layout = Layout(station_id=station_id, **values)
    session.add(layout)
    await commit_or_conflict(session, detail="A layout with this code was saved meanwhile; retry.")
    return layout


async def update_layout(
    *, session: AsyncSession, station_id: str, code: str, layout_in: LayoutUpdate
) -> Layout:
    """Redraw a layout: the screens that show it change at once."""
    if code in domain.TEMPLATES:
        raise _builtin(code)
    layout = await one_or_404(session, Layout, "unknown-layout", station_id=station_id, code=code)
    for name, value in _checked(layout_in).items():
        setattr(layout, name, value)
    mark_changed(session, station_id, PLAYLISTS)
    await session.commit()
    return layout


async def delete_layout(*, session: AsyncSession, station_id: str, code: str) -> None:
    """Delete a layout no screen and no schedule shows."""
    if code in domain.TEMPLATES:
        raise _builtin(code)
    layout = await one_or_404(session, Layout, "unknown-layout", station_id=station_id, code=code)
    users = [
        *(
            await session.scalars(
                select(Screen.code).where(Screen.station_id == station_id, Screen.layout == code)
            )
        ),
        *(
            await session.scalars(
                select(Schedule.code).where(Schedule.station_id == station_id, Schedule.layout == code)
            )
        ),
    ]
    if users:
        raise Conflict(
            f"Layout {code!r} is shown by {', '.join(sorted(users))}; choose another layout there first.",
            slug="layout-in-use",
        )
    await session.delete(layout)
    await session.commit()


async def check_layout_exists(
    *, session: AsyncSession, station_id: str, code: str | None, field: str
) -> None:
    """A screen or a schedule names a layout that exists (a template or the station's own)."""
    if code is None or code in domain.TEMPLATES:
        return
    found = await session.scalar(
        select(Layout.id).where(Layout.station_id == station_id, Layout.code == code)
    )
    if found is None:
        raise InvalidInput(
            f"No layout {code!r} at this station.",
            errors=[{"in": "body", "field": field, "detail": f"no layout {code}"}],
        )
