"""Finding one's way: routes under a profile, the nearest place of a kind, search, and the QR
code that hands a route to a phone."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Response

from kernel.deps import RuntimeDep, SessionDep, StationId
from kernel.errors import NotFound
from kernel.openapi import problem_responses
from kernel.pagination import Page, PageRequest, page_of_items, page_request
from kernel.qr import SVG, qr_svg
from kernel.registry import INFO_KIOSK
from services.info_kiosk.api.common import AcceptLanguage, Language, PlaceCode, negotiated
from services.info_kiosk.api.graph import place_public
from services.info_kiosk.domain import routes, routing, search
from services.info_kiosk.domain.graph_rules import PlaceKind, Profile
from services.info_kiosk.exits import domain as exits_domain
from services.info_kiosk.exits import service as exits
from services.info_kiosk.exits.api import destination_public
from services.info_kiosk.schemas import (
    Code,
    ExplanationPublic,
    OutsidePublic,
    RouteAnswerPublic,
    RoutePublic,
    RouteStepPublic,
    SearchHitPublic,
)
from services.info_kiosk.service import station_graph

router = APIRouter(prefix=INFO_KIOSK.path_prefix, tags=["kiosk"])


def route_public(route: routes.Route | None) -> RoutePublic | None:
    if route is None:
        return None
    return RoutePublic(
        profile=route.profile,
        places=list(route.places),
        steps=[RouteStepPublic(**{**vars(step), "pathways": list(step.pathways)}) for step in route.steps],
        length_m=route.length_m,
        time_s=route.time_s,
        level_changes=route.level_changes,
    )


async def _known_place(
    session: SessionDep,
    station_id: str,
    graph: routing.RoutingGraph,
    code: str,
    field: str,
    outside: bool = False,
) -> None:
    if code in graph.index:
        return
    if outside and await exits.destinations(session=session, station_id=station_id, code=code):
        return
    elsewhere = await station_graph.station_of_place(session=session, code=code, not_station=station_id)
    where = f" (it is a place of {elsewhere})" if elsewhere else ""
    raise NotFound(
        f"No place {code!r} at {station_id}{where}.",
        slug="unknown-place",
        errors=[{"in": "query", "field": field, "detail": f"unknown place{where}"}],
    )


@router.get(
    "/route",
    responses=problem_responses({404: "A place is not one of this station's."}),
    summary="A route from place to place under a profile; when none, why, and the best alternative",
)
async def find_route(
    station_id: StationId,
    session: SessionDep,
    response: Response,
    from_code: Annotated[Code, Query(alias="from", description="Where the traveller is.")],
    to_code: Annotated[Code, Query(alias="to", description="Where they go.")],
    profile: Annotated[Profile, Query(description="How they move.")] = "fastest",
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> RouteAnswerPublic:
    preferred = negotiated(lang, accept_language)
    _, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    await _known_place(session, station_id, graph, from_code, "from")
    await _known_place(session, station_id, graph, to_code, "to", outside=True)
    response.headers["Content-Language"] = preferred[0]
    outside = None
    if to_code in graph.index:
        answer = routes.route(graph, from_code, to_code, profile, preferred)
    else:
        answer, outside = await _route_outside(
            session, station_id, graph, from_code, to_code, profile, preferred
        )
    return RouteAnswerPublic(
        station_id=station_id,
        language=preferred[0],
        from_code=from_code,
        to_code=to_code,
        profile=profile,
        found=answer.route is not None,
        route=route_public(answer.route),
        explanation=ExplanationPublic(
            code=answer.explanation.code,
            message=answer.explanation.message,
            equipment=list(answer.explanation.equipment),
        )
        if answer.explanation
        else None,
        alternative=route_public(answer.alternative),
        outside=outside,
    )


async def _route_outside(
    session: SessionDep,
    station_id: str,
    graph: routing.RoutingGraph,
    from_code: str,
    to_code: str,
    profile: Profile,
    preferred: list[str],
) -> tuple[routes.RouteAnswer, OutsidePublic | None]:
    """A route to a stop or dock outside: to whichever of its exits gets there best, then on foot."""
    rows = await exits.destinations(session=session, station_id=station_id, code=to_code)
    points = exits.exit_points(graph)
    answers: dict[str, tuple[routes.RouteAnswer, float]] = {}
    ways = []
    for row in rows:
        if row.exit_code not in points:
            continue
        answer = routes.route(graph, from_code, row.exit_code, profile, preferred)
        metres = exits_domain.walking_m(exits.record(row), points[row.exit_code])
        answers[row.exit_code] = (answer, metres)
        if answer.route is not None:
            ways.append(
                exits_domain.WayOut(row.exit_code, answer.route.time_s, answer.route.length_m, metres)
            )
    best = exits_domain.best_way_out(ways, least_walking=profile == "least_walking")
    exit_code = best.exit_code if best else next(iter(answers), None)
    if exit_code is None:
        raise NotFound(f"No exit of {station_id} leads to {to_code!r}.", slug="unknown-destination")
    answer, metres = answers[exit_code]
    row = next(row for row in rows if row.exit_code == exit_code)
    outside = OutsidePublic(
        exit_code=exit_code,
        destination=destination_public(row, points[exit_code], preferred),
        walking_m=metres,
        walking_s=exits_domain.walking_s(metres),
    )
    return answer, outside


@router.get(
    "/places/{code}/nearest",
    responses=problem_responses({404: "No such place, or none of that kind within reach."}),
    summary="The nearest place of a kind from a place, and the route to it",
)
async def nearest_place(
    station_id: StationId,
    code: PlaceCode,
    session: SessionDep,
    kind: Annotated[PlaceKind, Query(description="The kind looked for, e.g. toilets.")],
    profile: Annotated[Profile, Query()] = "fastest",
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> RouteAnswerPublic:
    preferred = negotiated(lang, accept_language)
    _, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    if code not in graph.index:
        raise NotFound(f"No place {code!r} at {station_id}.", slug="unknown-place")
    target = routes.nearest(graph, code, {kind}, profile)
    if target is None:
        raise NotFound(
            f"No {kind} can be reached from {code!r} under profile {profile}.", slug="none-within-reach"
        )
    answer = routes.route(graph, code, target, profile, preferred)
    return RouteAnswerPublic(
        station_id=station_id,
        language=preferred[0],
        from_code=code,
        to_code=target,
        profile=profile,
        found=True,
        route=route_public(answer.route),
        explanation=None,
        alternative=None,
    )


@router.get(
    "/search",
    response_model=Page[SearchHitPublic],
    summary="Places by name or kind in any language, tolerant of accents and typos; best match first",
)
async def search_places(
    station_id: StationId,
    session: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="What the traveller typed.")],
    page: Annotated[PageRequest, Depends(page_request)],
    lang: Language = None,
    accept_language: AcceptLanguage = None,
) -> Page[SearchHitPublic]:
    preferred = negotiated(lang, accept_language)
    _, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    points = exits.exit_points(graph)
    rows = {
        (row.exit_code, row.code): row
        for row in await exits.destinations(session=session, station_id=station_id)
        if row.exit_code in points
    }
    # Places inside, and what is outside which exit ("which exit for the 153?"), in one ranking.
    ranked: list[tuple[float, str, str]] = [
        (hit.score, hit.code, "") for hit in search.search(graph.places, q)
    ]
    ranked += [
        (hit.score, hit.code, hit.exit_code)
        for hit in exits_domain.search([exits.record(row) for row in rows.values()], q)
    ]
    hits, next_cursor = page_of_items(ranked, lambda hit: (-hit[0], hit[1], hit[2]), page)
    items = []
    for score, code, exit_code in hits:
        if not exit_code:
            place = graph.places[graph.index[code]]
            items.append(SearchHitPublic(place=place_public(place, preferred, graph.closed), score=score))
            continue
        items.append(
            SearchHitPublic(
                place=place_public(graph.places[graph.index[exit_code]], preferred, graph.closed),
                score=score,
                destination=destination_public(rows[(exit_code, code)], points[exit_code], preferred),
            )
        )
    return Page(items=items, next_cursor=next_cursor)


@router.get(
    "/route/qr",
    response_class=Response,
    responses={
        200: {"content": {SVG: {}}, "description": "A QR code of the route's link in the traveller app"}
    },
    summary="A QR code that opens this route in the traveller app (/app/) on a phone",
)
async def route_qr(
    station_id: StationId,
    session: SessionDep,
    runtime: RuntimeDep,
    from_code: Annotated[Code, Query(alias="from")],
    to_code: Annotated[Code, Query(alias="to")],
    profile: Annotated[Profile, Query()] = "fastest",
    lang: Language = None,
) -> Response:
    _, graph = await station_graph.routing_graph(session=session, station_id=station_id)
    await _known_place(session, station_id, graph, from_code, "from")
    await _known_place(session, station_id, graph, to_code, "to", outside=True)
    query = {"station": station_id, "from": from_code, "to": to_code, "profile": profile}
    if lang:
        query["lang"] = lang
    # The station's public URL, never the request's Host: a phone scans it away from this request.
    link = f"{runtime.settings.public_base_url}/app/#/route?{urlencode(query)}"
    return Response(qr_svg(link), media_type=SVG, headers={"X-Route-Link": link, "Cache-Control": "no-cache"})
