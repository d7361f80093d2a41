"""Routes of live departures under /api/v1/stations/{station_id}/kiosk: the departures (hot read and
event stream) and disruptions for everyone; sources, rules and a word on a disruption for operators."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from pydantic import TypeAdapter, ValidationError

from kernel.db import one_or_404, utcnow
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.hot_reads import Entry, HotRead, Key, ReadRequest, Rendered, hot_get
from kernel.openapi import problem_responses
from kernel.pagination import Page, PageRequest, page_request
from kernel.registry import INFO_KIOSK
from kernel.runtime import ServiceRuntime
from kernel.stations import STATION_SLUG_PATTERN
from kernel.streams import event_stream_response, event_stream_responses, follows
from services.info_kiosk.api.common import Operator
from services.info_kiosk.departures import domain, live
from services.info_kiosk.departures.models import Disruption
from services.info_kiosk.departures.schemas import (
    DeparturesPublic,
    DisruptionPublic,
    DisruptionUpdate,
    LineName,
    Mode,
    Reach,
    RuleCreate,
    RulePublic,
    RuleUpdate,
    SourceCreate,
    SourceKind,
    SourcePublic,
    SourceUpdate,
)
from services.info_kiosk.departures.service import board, configuration, disruptions, rules, sources
from services.info_kiosk.schemas import CODE_PATTERN, Code
from services.info_kiosk.service.tags import DEPARTURES as DEPARTURES_TAG

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["departures"])
PageAsked = Annotated[PageRequest, Depends(page_request)]
CodePath = Annotated[str, Path(pattern=CODE_PATTERN, max_length=64)]
UNKNOWN_SOURCE = "`unknown-departure-source`: the station has no departure source with this code."
UNKNOWN_RULE = "`unknown-disruption-rule`: the station has no disruption rule with this code."
UNKNOWN_DISRUPTION = "`unknown-disruption`: the station has no disruption with this id."
CODE_TAKEN = "`conflict`: the station already has one with this code."
_STOP = TypeAdapter(Code)
_LINE = TypeAdapter(LineName)
_MODE = TypeAdapter(Mode)


# -- the departures (hot read, event stream) --------------------------------------------------


def departures_key(request: ReadRequest) -> Key | None:
    """The station and the filters; a request whose filters the route would refuse is the route's."""
    if request.repeats_query("stop", "line", "mode"):
        return None
    values = []
    for name, adapter in (("stop", _STOP), ("line", _LINE), ("mode", _MODE)):
        value = request.query.get(name)
        if value is not None:
            try:
                adapter.validate_python(value)
            except ValidationError:
                return None
        values.append(value)
    return (request.station_id, *values)


DEPARTURES = HotRead(
    name="departures",
    path=f"{INFO_KIOSK.path_prefix}/departures",
    params={"station_id": STATION_SLUG_PATTERN},
    key=departures_key,
    tags=lambda request: [DEPARTURES_TAG],
    cache_control="public, max-age=5",
    # Departures leave the window and sources go stale with time alone: a few seconds late at most.
    ttl_seconds=5,
)
StopFilter = Annotated[str | None, Query(pattern=CODE_PATTERN, max_length=64, description="A stop code.")]
LineFilter = Annotated[
    str | None,
    Query(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f]+$", description="A line, e.g. `15`."),
]
ModeFilter = Annotated[Mode | None, Query()]


def departures_entry(
    runtime: ServiceRuntime, request: Request, station_id: str, filters: domain.Filters
) -> Callable[[], Awaitable[Entry]]:
    """The hot read's entry for this request (rendered once per change, whoever asks)."""

    async def render() -> Rendered:
        async with runtime.sessionmaker() as session:
            view = await board.departures_view(
                session=session, station_id=station_id, filters=filters, now=utcnow()
            )
        return Rendered.of(view, last_modified=view.generated_at)

    async def current() -> Entry:
        return await runtime.hot.entry_for(DEPARTURES, request, render)

    return current


@hot_get(
    router,
    DEPARTURES,
    response_model=DeparturesPublic,
    summary="Next departures at the station's stops, by stop, line and direction, with each source's state",
)
async def departures(
    station_id: StationId,
    request: Request,
    runtime: RuntimeDep,
    stop: StopFilter = None,
    line: LineFilter = None,
    mode: ModeFilter = None,
) -> Response:
    current = departures_entry(runtime, request, station_id, domain.Filters(stop, line, mode))
    entry: Entry = await current()
    return entry.response(request)


@router.get(
    "/departures/live",
    summary="The departures as an event stream: `departures` at once and whenever they change",
    description=(
        "With `Accept: text/event-stream` the stream stays open (through the gateway too): an event "
        "`departures` whose data is the body of `GET .../departures` with the same filters, at once and "
        "whenever it changes, keep-alive comments between. Any other client gets the current event and the end."
    ),
    response_class=StreamingResponse,
    responses=event_stream_responses(),
)
async def departures_live(
    station_id: StationId,
    request: Request,
    runtime: RuntimeDep,
    stop: StopFilter = None,
    line: LineFilter = None,
    mode: ModeFilter = None,
) -> StreamingResponse:
    current = departures_entry(runtime, request, station_id, domain.Filters(stop, line, mode))
    stream = live.departure_events(
        live.channel_of(runtime),
        current=current,
        disconnected=request.is_disconnected,
        follow=follows(request),
    )
    return event_stream_response(request, stream)


# -- disruptions -----------------------------------------------------------------------------


@router.get("/disruptions", summary="Disruptions from the station's sources, newest first, with their source")
async def list_disruptions(
    station_id: StationId,
    session: SessionDep,
    page: PageAsked,
    state: Annotated[Literal["active", "silenced", "cleared", "all"], Query()] = "active",
    source: Annotated[str | None, Query(pattern=CODE_PATTERN, max_length=64)] = None,
    line: LineFilter = None,
) -> Page[DisruptionPublic]:
    rows, next_cursor = await disruptions.page_disruptions(
        session=session, station_id=station_id, page=page, state=state, source=source, line=line
    )
    return Page(items=[disruptions.disruption_public(d) for d in rows], next_cursor=next_cursor)


@router.get(
    "/disruptions/{disruption_id}",
    summary="One disruption",
    responses=problem_responses({404: UNKNOWN_DISRUPTION}),
)
async def get_disruption(
    station_id: StationId, disruption_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], session: SessionDep
) -> DisruptionPublic:
    found = await one_or_404(
        session, Disruption, "unknown-disruption", station_id=station_id, id=disruption_id
    )
    return disruptions.disruption_public(found)


@router.patch(
    "/disruptions/{disruption_id}",
    summary="Silence a disruption, or override where it is shown and what it says",
    responses=problem_responses(
        {404: UNKNOWN_DISRUPTION, 409: "`disruption-cleared`: its source cleared it, or it expired."}
    ),
)
async def update_disruption(
    station_id: StationId,
    disruption_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
    update: DisruptionUpdate,
    session: SessionDep,
    _: Operator,
) -> DisruptionPublic:
    d = await disruptions.update_disruption(
        session=session, station_id=station_id, disruption_id=disruption_id, update=update
    )
    return disruptions.disruption_public(d)


# -- sources (operators) ---------------------------------------------------------------------


@router.get("/departure-sources", summary="The station's real-time departure sources, with their state")
async def list_sources(
    station_id: StationId,
    session: SessionDep,
    page: PageAsked,
    _: Operator,
    kind: Annotated[SourceKind | None, Query()] = None,
) -> Page[SourcePublic]:
    rows, next_cursor = await sources.page_sources(
        session=session, station_id=station_id, page=page, kind=kind
    )
    now = utcnow()
    return Page(items=[configuration.source_public(s, now) for s in rows], next_cursor=next_cursor)


@router.post(
    "/departure-sources",
    status_code=status.HTTP_201_CREATED,
    summary="Add a departure source (SIRI Lite or GTFS-Realtime); it is pulled at once",
    responses=problem_responses({409: CODE_TAKEN}),
)
async def create_source(
    station_id: StationId, source_in: SourceCreate, session: SessionDep, _: Operator
) -> SourcePublic:
    created = await sources.create_source(session=session, station_id=station_id, source_in=source_in)
    return configuration.source_public(created, utcnow())


@router.get(
    "/departure-sources/{code}",
    summary="One departure source",
    responses=problem_responses({404: UNKNOWN_SOURCE}),
)
async def get_source(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> SourcePublic:
    return configuration.source_public(
        await sources.get_source(session=session, station_id=station_id, code=code), utcnow()
    )


@router.patch(
    "/departure-sources/{code}",
    summary="Change a departure source; a new URL or kind starts it afresh",
    responses=problem_responses({404: UNKNOWN_SOURCE}),
)
async def update_source(
    station_id: StationId, code: CodePath, source_in: SourceUpdate, session: SessionDep, _: Operator
) -> SourcePublic:
    updated = await sources.update_source(
        session=session, station_id=station_id, code=code, source_in=source_in
    )
    return configuration.source_public(updated, utcnow())


@router.delete(
    "/departure-sources/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a departure source; the disruptions it raised are cleared",
    responses=problem_responses({404: UNKNOWN_SOURCE}),
)
async def delete_source(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> Response:
    await sources.delete_source(session=session, station_id=station_id, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- rules (operators) -----------------------------------------------------------------------


@router.get("/disruption-rules", summary="Where the station shows disruptions, by line, stop and severity")
async def list_rules(
    station_id: StationId,
    session: SessionDep,
    page: PageAsked,
    _: Operator,
    reach: Annotated[Reach | None, Query()] = None,
) -> Page[RulePublic]:
    rows, next_cursor = await rules.page_rules(session=session, station_id=station_id, page=page, reach=reach)
    return Page(items=[RulePublic.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post(
    "/disruption-rules",
    status_code=status.HTTP_201_CREATED,
    summary="Add a rule; disruptions that hold are placed again at once",
    responses=problem_responses({409: CODE_TAKEN}),
)
async def create_rule(
    station_id: StationId, rule_in: RuleCreate, session: SessionDep, _: Operator
) -> RulePublic:
    return RulePublic.model_validate(
        await rules.create_rule(session=session, station_id=station_id, rule_in=rule_in)
    )


@router.get(
    "/disruption-rules/{code}",
    summary="One disruption rule",
    responses=problem_responses({404: UNKNOWN_RULE}),
)
async def get_rule(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> RulePublic:
    return RulePublic.model_validate(await rules.get_rule(session=session, station_id=station_id, code=code))


@router.patch(
    "/disruption-rules/{code}",
    summary="Change a disruption rule",
    responses=problem_responses({404: UNKNOWN_RULE}),
)
async def update_rule(
    station_id: StationId, code: CodePath, rule_in: RuleUpdate, session: SessionDep, _: Operator
) -> RulePublic:
    updated = await rules.update_rule(session=session, station_id=station_id, code=code, rule_in=rule_in)
    return RulePublic.model_validate(updated)


@router.delete(
    "/disruption-rules/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a disruption rule",
    responses=problem_responses({404: UNKNOWN_RULE}),
)
async def delete_rule(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> Response:
    await rules.delete_rule(session=session, station_id=station_id, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
