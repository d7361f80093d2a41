"""Routes as travellers read them: steps merged by mode, instructions in their language, why
there is no route and the best other way, the nearest place of a kind."""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from services.info_kiosk import texts
from services.info_kiosk.domain.graph_rules import Profile, traversal_seconds
from services.info_kiosk.domain.languages import localized
from services.info_kiosk.domain.routing import RoutingGraph


@dataclass(frozen=True)
class RouteStep:
    mode: str
    from_code: str
    to_code: str
    to_name: str
    level_code: str
    level_name: str
    level_change: Literal["up", "down", "none"]
    instruction: str
    length_m: float
    time_s: float
    pathways: tuple[str, ...]


@dataclass(frozen=True)
class Route:
    profile: Profile
    places: tuple[str, ...]
    steps: tuple[RouteStep, ...]
    length_m: float
    time_s: float
    level_changes: int


@dataclass(frozen=True)
class Explanation:
    code: str
    message: str
    equipment: tuple[str, ...]


@dataclass(frozen=True)
class RouteAnswer:
    """The route asked for, or why there is none and the best other way."""

    requested_profile: Profile
    route: Route | None
    explanation: Explanation | None
    alternative: Route | None


def _say(table: Mapping[str, Mapping[str, str]], key: str, preferred: Sequence[str], **values: str) -> str:
    return localized(table[key], preferred).format(**values)


def _step_kind(mode: str, change: str) -> str:
    if mode in ("stairs", "escalator"):
        return f"{mode}_{'up' if change == 'up' else 'down'}" if change != "none" else "walk"
    if mode == "lift":
        return "lift"
    if mode in ("travelator", "fare_gate", "exit_gate"):
        return mode
    return "walk"


def build_route(
    graph: RoutingGraph, source: int, path: list[tuple[int, int]], profile: Profile, preferred: Sequence[str]
) -> Route:
    """Steps of a path, consecutive pathways of the same mode merged (one lift ride, one walk)."""
    steps: list[RouteStep] = []
    previous = source
    merged: list[tuple[int, int, int]] = []  # (from node, to node, pathway index) of the current step
    groups: list[list[tuple[int, int, int]]] = []
    for node, via in path:
        mode = graph.pathways[via].mode
        if merged and graph.pathways[merged[-1][2]].mode == mode and mode in ("walkway", "lift"):
            merged.append((previous, node, via))
        else:
            if merged:
                groups.append(merged)
            merged = [(previous, node, via)]
        previous = node
    if merged:
        groups.append(merged)
    total_length = total_time = 0.0
    level_changes = 0
    for group in groups:
        start, end = graph.places[group[0][0]], graph.places[group[-1][1]]
        mode = graph.pathways[group[0][2]].mode
        rise = graph.level_index(end) - graph.level_index(start)
        change: Literal["up", "down", "none"] = "up" if rise > 0 else "down" if rise < 0 else "none"
        level_changes += change != "none"
        level = graph.levels.get(end.level_code)
        level_name = localized(level.names, preferred) if level else end.level_code
        to_name = localized(end.names, preferred)
        length = sum(graph.pathways[k].length_m or 0.0 for _, _, k in group)
        seconds = sum(traversal_seconds(graph.pathways[k]) for _, _, k in group)
        total_length += length
        total_time += seconds
        steps.append(
            RouteStep(
                mode=mode,
                from_code=start.code,
                to_code=end.code,
                to_name=to_name,
                level_code=end.level_code,
                level_name=level_name,
                level_change=change,
                instruction=_say(
                    texts.INSTRUCTIONS, _step_kind(mode, change), preferred, to=to_name, level=level_name
                ),
                length_m=round(length, 1),
                time_s=round(seconds, 1),
                pathways=tuple(graph.pathways[k].code for _, _, k in group),
            )
        )
    places = (graph.places[source].code, *(graph.places[node].code for node, _ in path))
    return Route(
        profile=profile,
        places=places,
        steps=tuple(steps),
        length_m=round(total_length, 1),
        time_s=round(total_time, 1),
        level_changes=level_changes,
    )


def route(
    graph: RoutingGraph, from_code: str, to_code: str, profile: Profile, preferred: Sequence[str]
) -> RouteAnswer:
    """The route under a profile, avoiding equipment out of service; when there is none, why, and
    the fastest route that remains. Both codes must be places of the graph."""
    source, target = graph.index[from_code], graph.index[to_code]
    path = graph.shortest(source, target, profile)
    if path is not None:
        return RouteAnswer(profile, build_route(graph, source, path, profile, preferred), None, None)
    alternative = None
    if profile != "fastest":
        fastest = graph.shortest(source, target, "fastest")
        if fastest is not None:
            alternative = build_route(graph, source, fastest, "fastest", preferred)
    return RouteAnswer(profile, None, explain(graph, source, target, profile, preferred), alternative)


def explain(
    graph: RoutingGraph, source: int, target: int, profile: Profile, preferred: Sequence[str]
) -> Explanation:
    """Why no route: the equipment out of service on the way it would take, or the graph itself."""
    to_name = localized(graph.places[target].names, preferred)
    profile_name = localized(texts.PROFILES[profile], preferred)
    open_path = graph.shortest(source, target, profile, closed=frozenset())
    if open_path is not None:
        blocking = [node for node, _ in open_path if node in graph.closed_nodes]
        names = ", ".join(localized(graph.places[node].names, preferred) for node in blocking)
        codes = tuple(graph.places[node].code for node in blocking)
        # "The only": with every other outage lifted, this one alone still blocks the way.
        only = (
            len(blocking) == 1 and graph.shortest(source, target, profile, closed=frozenset(blocking)) is None
        )
        key = "only_equipment_out_of_service" if only else "equipment_out_of_service"
        return Explanation(
            key,
            _say(texts.EXPLANATIONS, key, preferred, to=to_name, profile=profile_name, equipment=names),
            codes,
        )
    if graph.shortest(source, target, "fastest", closed=frozenset()) is not None:
        message = _say(
            texts.EXPLANATIONS, "no_route_for_profile", preferred, to=to_name, profile=profile_name
        )
        return Explanation("no_route_for_profile", message, ())
    return Explanation("unreachable", _say(texts.EXPLANATIONS, "unreachable", preferred, to=to_name), ())


def nearest(graph: RoutingGraph, from_code: str, kinds: Collection[str], profile: Profile) -> str | None:
    """The place of one of these kinds that costs least to reach under the profile, or None."""
    source = graph.index[from_code]
    edges = graph.adjacency[profile]
    best = {source: 0.0}
    queue = [(0.0, source)]
    while queue:
        spent, node = heapq.heappop(queue)
        if spent > best.get(node, math.inf):
            continue
        if node != source and graph.places[node].kind in kinds:
            return graph.places[node].code
        for neighbour, step, _ in edges[node]:
            if neighbour in graph.closed_nodes:
                continue
            total = spent + step
            if total < best.get(neighbour, math.inf):
                best[neighbour] = total
                heapq.heappush(queue, (total, neighbour))
    return None
