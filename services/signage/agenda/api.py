"""The agenda's routes: the station's events (public reads, operators' writes), their iCalendar
feed (a hot read) and the welcome they set."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import TypeAdapter, ValidationError

from kernel.db import one_or_404, utcnow
from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.errors import InvalidInput
from kernel.fields import Timestamp
from kernel.hot_reads import HotRead, Key, ReadRequest, Rendered, hot_get
from kernel.i18n import DEFAULT_LANGUAGE
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import SIGNAGE
from kernel.stations import STATION_SLUG_PATTERN
from services.signage.agenda import service
from services.signage.agenda.domain import EventKind
from services.signage.agenda.models import Event
from services.signage.agenda.schemas import EventCreate, EventPublic, EventUpdate, WelcomePublic
from services.signage.deps import CodePath, Operator, PageDep
from services.signage.schemas import ScreenLanguage

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])

UNKNOWN_EVENT = "`unknown-event`: the agenda has no event with this code."
_LANGUAGE = TypeAdapter(ScreenLanguage)


@router.post(
    "/agenda",
    status_code=status.HTTP_201_CREATED,
    summary="Put an event on the station's agenda; it may set the station's welcome for its dates",
    responses=problem_responses({409: "`event-code-taken`: an event has this code."}),
)
async def create_event(
    station_id: StationId, event_in: EventCreate, session: SessionDep, _: Operator
) -> EventPublic:
    return EventPublic.of(
        await service.create_event(session=session, station_id=station_id, event_in=event_in)
    )


@router.get(
    "/agenda",
    summary="The station's events, soonest first: by default those not over yet",
    description="`from` and `to` keep the events that end after `from` and start before `to`.",
)
async def list_events(
    station_id: StationId,
    session: SessionDep,
    page: PageDep,
    since: Annotated[
        Timestamp | None, Query(alias="from", description="RFC 3339 with offset; default: now")
    ] = None,
    until: Annotated[Timestamp | None, Query(alias="to", description="RFC 3339 with offset")] = None,
    kind: Annotated[EventKind | None, Query(description="Only events of this kind")] = None,
) -> Page[EventPublic]:
    since = since or utcnow()
    if until is not None and until <= since:
        raise InvalidInput(
            "`to` must come after `from`.",
            errors=[{"in": "query", "field": "to", "detail": "must come after `from`"}],
        )
    events, next_cursor = await service.page_events(
        session=session, station_id=station_id, page=page, since=since, until=until, kind=kind
    )
    return Page(items=[EventPublic.of(e) for e in events], next_cursor=next_cursor)


def calendar_key(request: ReadRequest) -> Key | None:
    """Station and language; None for a request the route must judge (a bad or repeated `lang`)."""
    if request.repeats_query("lang"):
        return None
    lang = request.query.get("lang", DEFAULT_LANGUAGE)
    try:
        _LANGUAGE.validate_python(lang)
    except ValidationError:
        return None
    return request.station_id, lang.lower()


CALENDAR = HotRead(
    name="agenda-calendar",
    path=f"{SIGNAGE.path_prefix}/agenda/calendar.ics",
    params={"station_id": STATION_SLUG_PATTERN},
    key=calendar_key,
    tags=lambda request: [service.AGENDA],
    # Calendar apps poll it every hour or so: a minute of reuse at the edge costs nobody anything.
    cache_control="public, max-age=60",
)


@hot_get(
    router,
    CALENDAR,
    summary="The agenda as an iCalendar feed (RFC 5545) that calendar apps subscribe to",
    description="Texts in `lang` (default `fr`), else the usual fallback (fr, en, any). With If-None-Match, a 304.",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "An iCalendar file"}},
)
async def agenda_calendar(
    station_id: StationId,
    request: Request,
    session: SessionDep,
    runtime: RuntimeDep,
    lang: Annotated[ScreenLanguage | None, Query(description="BCP 47 tag of the texts; default `fr`")] = None,
) -> Response:
    async def render() -> Rendered:
        body = await service.feed(
            session=session, station_id=station_id, preferred=[lang or DEFAULT_LANGUAGE]
        )
        return Rendered(body=body, media_type="text/calendar; charset=utf-8")

    entry = await runtime.hot.entry_for(CALENDAR, request, render)
    return entry.response(request)


@router.get("/agenda/{code}", summary="One event", responses=problem_responses({404: UNKNOWN_EVENT}))
async def get_event(station_id: StationId, code: CodePath, session: SessionDep) -> EventPublic:
    return EventPublic.of(await one_or_404(session, Event, "unknown-event", station_id=station_id, code=code))


@router.put(
    "/agenda/{code}",
    summary="Replace an event (cancel it with `status: cancelled`)",
    responses=problem_responses({404: UNKNOWN_EVENT}),
)
async def update_event(
    station_id: StationId, code: CodePath, event_in: EventUpdate, session: SessionDep, _: Operator
) -> EventPublic:
    return EventPublic.of(
        await service.update_event(session=session, station_id=station_id, code=code, event_in=event_in)
    )


@router.delete(
    "/agenda/{code}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Take an event off the agenda",
    responses=problem_responses({404: UNKNOWN_EVENT}),
)
async def delete_event(station_id: StationId, code: CodePath, session: SessionDep, _: Operator) -> Response:
    await service.delete_event(session=session, station_id=station_id, code=code)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/welcome",
    summary="The station's welcome now: the languages screens rotate, the kiosk's, a welcome playlist",
)
async def station_welcome(station_id: StationId, session: SessionDep) -> WelcomePublic:
    found = await service.welcome(session=session, station_id=station_id)
    return WelcomePublic(
        languages=list(found.languages),
        kiosk_language=found.kiosk_language,
        playlist=found.playlist,
        event=found.event,
        until=found.until,
    )
