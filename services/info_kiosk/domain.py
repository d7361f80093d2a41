"""info_kiosk's rules, without I/O: translations, the order of the directory, which report wins."""

from __future__ import annotations

import copy
import heapq
import math
import operator
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from kernel import i18n
from kernel.geo import EARTH_RADIUS_M
from kernel.i18n import parse_accept_language
from kernel.rules import FieldProblem
from services.info_kiosk import texts


class DirectoryEntry(Protocol):
    @property
    def level(self) -> int: ...

    @property
    def category(self) -> str: ...

    @property
    def name(self) -> str: ...


def repeated_language_tags(texts: Mapping[str, str]) -> list[str]:
    """Tags that differ only by case (`fr`, `FR`): tags are case-insensitive, so one would hide the other."""
    by_lower: dict[str, list[str]] = {}
    for tag in texts:
        by_lower.setdefault(tag.lower(), []).append(tag)
    return sorted(tag for tags in by_lower.values() if len(tags) > 1 for tag in tags)


def point_of_interest_problems(
    *, names: Mapping[str, str], descriptions: Mapping[str, str]
) -> list[FieldProblem]:
    """Everything wrong with a point of interest that its schema cannot see."""
    problems: list[FieldProblem] = []
    for field, localized_texts in (("names", names), ("descriptions", descriptions)):
        repeated = repeated_language_tags(localized_texts)
        if repeated:
            problems.append(FieldProblem(field, f"language tags differ only by case: {', '.join(repeated)}"))
    return problems


def preferred_languages(*, lang: str | None, accept_language: str | None) -> list[str]:
    """The kiosk's language button (`lang`) wins over the browser's Accept-Language."""
    return [lang] if lang else parse_accept_language(accept_language)


def reading_order(text: str) -> str:
    """How people look a name up in a list: without case or accents (Étoiles next to Etoile)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def directory_key(entry: DirectoryEntry) -> tuple[int, str, str]:
    """Street level first then going down; within a level by category, then by name."""
    return (-entry.level, entry.category, reading_order(entry.name))


def is_stale(
    last_event_at: datetime | None, now: datetime, quiet_limit_s: float, *, shows_items: bool
) -> bool:
    """Whether what a panel shows may be out of date: items whose source never spoke, or has been
    quiet longer than its limit. An empty panel is not stale: a source that never spoke, or that
    spoke and left nothing (no alert raised, every alert cleared), means there is nothing to report."""
    if not shows_items:
        return False
    return last_event_at is None or (now - last_event_at).total_seconds() > quiet_limit_s


def supersedes(last_reported: datetime, stored_last_reported: datetime | None) -> bool:
    """Events arrive late or twice: a report replaces the stored one unless it is older."""
    return stored_last_reported is None or last_reported >= stored_last_reported


# -- the station graph ------------------------------------------------------------------------------

PlaceKind = Literal[
    "entrance_exit",
    "platform",
    "hall",
    "fare_gate",
    "lift",
    "escalator",
    "travelator",
    "stairs",
    "locker_bank",
    "vehicle_station",
    "toilets",
    "ticket_office",
    "information",
    "shop",
    "food",
    "service",
    "node",
]
PathwayMode = Literal["walkway", "stairs", "travelator", "escalator", "lift", "fare_gate", "exit_gate"]
Profile = Literal["fastest", "step_free", "avoid_stairs", "avoid_escalators", "least_walking"]
PROFILES: tuple[Profile, ...] = ("fastest", "step_free", "avoid_stairs", "avoid_escalators", "least_walking")
# Places that can be out of service (kernel/contracts/kiosk.py EquipmentKind).
EQUIPMENT_KINDS = frozenset({"lift", "escalator", "travelator", "fare_gate"})
MECHANICAL_MODES = frozenset({"lift", "escalator", "travelator"})
# Walking speed when a pathway gives its length but not its time (m/s), and the time of a pathway
# that gives neither: a guess, but a route must still be found.
WALKING_SPEED = 1.2
STAIRS_SPEED = 0.5
DEFAULT_TRAVERSAL_S = 20.0
# least_walking: a metre carried by a machine costs this much of a metre walked.
CARRIED_METRE = 0.1
# How many landmarks A* measures from: more is a tighter estimate, and a slower first route per profile.
LANDMARKS = 16
# A landmark distance of "never", finite so that differences stay numbers (far above any route).
UNREACHABLE = 1e12


@dataclass(frozen=True)
class LevelRecord:
    code: str
    index: float
    names: Mapping[str, str]


@dataclass(frozen=True)
class PlaceRecord:
    code: str
    kind: str
    names: Mapping[str, str]
    level_code: str
    lat: float
    lon: float
    line: str | None = None


@dataclass(frozen=True)
class PathwayRecord:
    code: str
    from_code: str
    to_code: str
    mode: str
    bidirectional: bool
    length_m: float | None = None
    traversal_time_s: int | None = None
    stair_count: int | None = None


def is_step_free(pathway: PathwayRecord) -> bool:
    """No step to climb: not stairs, not an escalator, and no step counted on the way."""
    return pathway.mode not in ("stairs", "escalator") and not pathway.stair_count


def traversal_seconds(pathway: PathwayRecord) -> float:
    if pathway.traversal_time_s is not None:
        return float(pathway.traversal_time_s)
    if pathway.length_m is not None:
        return pathway.length_m / (STAIRS_SPEED if pathway.mode == "stairs" else WALKING_SPEED)
    return DEFAULT_TRAVERSAL_S


def allowed(profile: Profile, pathway: PathwayRecord) -> bool:
    if profile == "step_free":
        return is_step_free(pathway)
    if profile == "avoid_stairs":
        return pathway.mode != "stairs" and not pathway.stair_count
    if profile == "avoid_escalators":
        return pathway.mode != "escalator"
    return True


def walking_metres(pathway: PathwayRecord) -> float:
    metres = pathway.length_m if pathway.length_m is not None else traversal_seconds(pathway) * WALKING_SPEED
    return metres * CARRIED_METRE if pathway.mode in MECHANICAL_MODES else metres


def cost(profile: Profile, pathway: PathwayRecord) -> float:
    if profile == "least_walking":
        # Time breaks ties between routes of the same walk.
        return walking_metres(pathway) + traversal_seconds(pathway) * 0.01
    return traversal_seconds(pathway)


# Something that makes a graph unusable (a dangling reference, a repeated code): it is refused.
GraphProblem = FieldProblem


@dataclass(frozen=True)
class GraphWarning:
    """Something a graph allows but a traveller would suffer: reported, not refused."""

    kind: Literal["unreachable", "one_way_trap"]
    place_code: str
    profile: Profile | None
    message: str


def graph_problems(
    levels: Sequence[LevelRecord], places: Sequence[PlaceRecord], pathways: Sequence[PathwayRecord]
) -> list[GraphProblem]:
    """References that point nowhere and codes used twice: a graph with any of these is refused."""
    problems: list[GraphProblem] = []
    for name, codes in (
        ("levels", [level.code for level in levels]),
        ("places", [place.code for place in places]),
        ("pathways", [pathway.code for pathway in pathways]),
    ):
        seen: set[str] = set()
        for index, code in enumerate(codes):
            if code in seen:
                problems.append(GraphProblem(f"{name}[{index}].code", f"code {code!r} is used twice"))
            seen.add(code)
    level_codes = {level.code for level in levels}
    place_codes = {place.code for place in places}
    for index, place in enumerate(places):
        if place.level_code not in level_codes:
            problems.append(GraphProblem(f"places[{index}].level_code", f"no level {place.level_code!r}"))
    for index, pathway in enumerate(pathways):
        for end in ("from_code", "to_code"):
            code = getattr(pathway, end)
            if code not in place_codes:
                problems.append(
                    GraphProblem(f"pathways[{index}].{end}", f"pathway {pathway.code!r}: no place {code!r}")
                )
        if pathway.from_code == pathway.to_code:
            problems.append(GraphProblem(f"pathways[{index}]", f"pathway {pathway.code!r} leads to itself"))
    return problems


class RoutingGraph:
    """The adjacency of one version of a station's graph, per profile, built once and then only read."""

    def __init__(
        self,
        levels: Sequence[LevelRecord],
        places: Sequence[PlaceRecord],
        pathways: Sequence[PathwayRecord],
        closed: Collection[str] | Mapping[str, datetime | None] = (),
        same_as: RoutingGraph | None = None,
    ) -> None:
        self.levels = {level.code: level for level in levels}
        self.places = list(places)
        self.index = {place.code: i for i, place in enumerate(self.places)}
        self.pathways = list(pathways)
        self._set_outages(closed)
        lat0 = sum(p.lat for p in places) / len(places) if places else 0.0
        lon0 = sum(p.lon for p in places) / len(places) if places else 0.0
        self.xy = [local_metres(lat0, lon0, p.lat, p.lon) for p in self.places]
        self.xs = [x for x, _ in self.xy]
        self.ys = [y for _, y in self.xy]
        self._landmarks: dict[Profile, tuple[list[list[float]], list[list[float]]]] = {}
        self._vectors: dict[Profile, list[tuple[float, ...]]] = {}
        if same_as is not None and same_as.places == self.places and same_as.pathways == self.pathways:
            # Only the outages differ: the landmark distances (taken with everything open) still hold.
            self._landmarks = same_as._landmarks
            self._vectors = same_as._vectors
        # adjacency[profile][node] = [(neighbour, cost, pathway index)]
        self.adjacency: dict[Profile, list[list[tuple[int, float, int]]]] = {}
        # The largest straight-line metres per unit of cost: A*'s estimate never overshoots with it.
        self.reach: dict[Profile, float] = {}
        for profile in PROFILES:
            edges: list[list[tuple[int, float, int]]] = [[] for _ in self.places]
            reach = 0.0
            for k, pathway in enumerate(self.pathways):
                if not allowed(profile, pathway):
                    continue
                a, b = self.index.get(pathway.from_code), self.index.get(pathway.to_code)
                if a is None or b is None:
                    continue
                c = max(cost(profile, pathway), 1e-6)
                reach = max(reach, self.distance(a, b) / c)
                edges[a].append((b, c, k))
                if pathway.bidirectional:
                    edges[b].append((a, c, k))
            self.adjacency[profile] = edges
            self.reach[profile] = reach

    def _set_outages(self, closed: Collection[str] | Mapping[str, datetime | None]) -> None:
        # Equipment out of service: its place cannot be passed through; `until`, when given, is when
        # the outage stops counting (the earliest is when this graph's outages next change).
        self.outages: dict[str, datetime | None] = (
            dict(closed) if isinstance(closed, Mapping) else dict.fromkeys(closed, None)
        )
        self.closed = frozenset(self.outages)
        self.closed_nodes = frozenset(self.index[code] for code in self.closed if code in self.index)
        self.outages_change_at = min((until for until in self.outages.values() if until), default=None)

    def with_outages(self, closed: Collection[str] | Mapping[str, datetime | None]) -> RoutingGraph:
        """The same graph with other equipment out of service: adjacency and landmarks shared, so
        an outage costs a set, not a rebuild."""
        graph = copy.copy(self)
        graph._set_outages(closed)
        return graph

    def current(self, now: datetime) -> RoutingGraph:
        """This graph, or the same without the outages whose `until` has passed."""
        if self.outages_change_at is None or self.outages_change_at > now:
            return self
        return self.with_outages(current_outages(self.outages, now))

    def distance(self, a: int, b: int) -> float:
        (xa, ya), (xb, yb) = self.xy[a], self.xy[b]
        return math.hypot(xa - xb, ya - yb)

    def level_index(self, place: PlaceRecord) -> float:
        level = self.levels.get(place.level_code)
        return level.index if level else 0.0

    def shortest(
        self, source: int, target: int, profile: Profile, closed: frozenset[int] | None = None
    ) -> list[tuple[int, int]] | None:
        """A* from source to target: the [(node, pathway index)] after the source, or None.

        The estimate is ALT's (landmarks and the triangle inequality), which sees that a platform two
        levels down is far even when it is right below; closed equipment only lengthens routes, so
        landmark distances computed with everything open stay lower bounds. Hot loop: integer nodes,
        lists, each node's estimate computed once, as one C-level max over one sum of two vectors."""
        closed = self.closed_nodes if closed is None else closed
        edges = self.adjacency[profile]
        vectors = self._landmark_vectors(profile)
        # estimate(v) = max over landmarks L of d(L,t) - d(L,v) and d(v,L) - d(t,L), and 0: the
        # node's vector holds (-d(L,v)..., d(v,L)..., 0), the target's (d(L,t)..., -d(t,L)..., 0).
        towards = self._target_vector(profile, target)
        push, pop, add = heapq.heappush, heapq.heappop, operator.add
        size = len(self.places)
        best = [math.inf] * size
        estimates = [-1.0] * size
        came_node = [-1] * size
        came_via = [-1] * size
        best[source] = 0.0
        # Among equal estimates the deepest first (-spent): on a plateau of equal costs (a grid of
        # corridors) A* then walks to the target instead of widening over the whole plateau.
        queue = [(0.0, -0.0, source)]
        while queue:
            _, spent, node = pop(queue)
            spent = -spent
            if node == target:
                path: list[tuple[int, int]] = []
                while node != source:
                    path.append((node, came_via[node]))
                    node = came_node[node]
                path.reverse()
                return path
            if spent > best[node]:
                continue
            for neighbour, step, via in edges[node]:
                total = spent + step
                if total < best[neighbour]:
                    if closed and neighbour in closed and neighbour != target:
                        continue
                    best[neighbour] = total
                    came_node[neighbour] = node
                    came_via[neighbour] = via
                    estimate = estimates[neighbour]
                    if estimate < 0.0:
                        estimate = estimates[neighbour] = max(map(add, towards, vectors[neighbour]))
                    push(queue, (total + estimate, -total, neighbour))
        return None

    def _landmark_vectors(self, profile: Profile) -> list[tuple[float, ...]]:
        """Per node, (-d(L,v) for each landmark L, d(v,L) for each, 0), with "never" as a large finite
        number (inf - inf would be nan): an unreachable landmark then gives a bound that is still
        valid. One tuple per node, so that the estimate is one sum and one max."""
        cached = self._vectors.get(profile)
        if cached is None:
            forward, backward = self.landmarks(profile)
            cached = [
                (*(-_finite(row[node]) for row in forward), *(_finite(row[node]) for row in backward), 0.0)
                for node in range(len(self.places))
            ]
            self._vectors[profile] = cached
        return cached

    def _target_vector(self, profile: Profile, target: int) -> tuple[float, ...]:
        """(d(L,t) for each landmark L, -d(t,L) for each, 0): added to a node's vector, every term is
        one of ALT's lower bounds of the cost from that node to the target (a + -b is exactly a - b)."""
        forward, backward = self.landmarks(profile)
        return (
            *(_finite(row[target]) for row in forward),
            *(-_finite(row[target]) for row in backward),
            0.0,
        )

    def landmarks(self, profile: Profile) -> tuple[list[list[float]], list[list[float]]]:
        """Distances from and to a few far-apart places, per profile, computed on first use."""
        cached = self._landmarks.get(profile)
        if cached is not None:
            return cached
        forward: list[list[float]] = []
        backward: list[list[float]] = []
        if self.places:
            reverse = self._reversed(profile)
            chosen = [max(range(len(self.places)), key=lambda i: self.xy[i][0] + self.xy[i][1])]
            while len(chosen) <= LANDMARKS:
                forward.append(self._distances(chosen[-1], self.adjacency[profile]))
                backward.append(self._distances(chosen[-1], reverse))
                if len(chosen) == LANDMARKS:
                    break
                # The next landmark: the place farthest from all chosen so far.
                nearest = [min(f[i] for f in forward) for i in range(len(self.places))]
                candidates = [i for i in range(len(self.places)) if nearest[i] < math.inf and i not in chosen]
                if not candidates:
                    break
                chosen.append(max(candidates, key=nearest.__getitem__))
        self._landmarks[profile] = (forward, backward)
        return forward, backward

    def _distances(self, source: int, edges: list[list[tuple[int, float, int]]]) -> list[float]:
        best = [math.inf] * len(self.places)
        best[source] = 0.0
        queue = [(0.0, source)]
        while queue:
            spent, node = heapq.heappop(queue)
            if spent > best[node]:
                continue
            for neighbour, step, _ in edges[node]:
                total = spent + step
                if total < best[neighbour]:
                    best[neighbour] = total
                    heapq.heappush(queue, (total, neighbour))
        return best

    def reachable(self, source: int, profile: Profile, *, reverse: bool = False) -> set[int]:
        """Every node reachable from source (or, reversed, every node that reaches it)."""
        edges = self.adjacency[profile] if not reverse else self._reversed(profile)
        seen = {source}
        stack = [source]
        while stack:
            node = stack.pop()
            for neighbour, _, _ in edges[node]:
                if neighbour not in seen and neighbour not in self.closed_nodes:
                    seen.add(neighbour)
                    stack.append(neighbour)
        return seen

    def _reversed(self, profile: Profile) -> list[list[tuple[int, float, int]]]:
        reverse: list[list[tuple[int, float, int]]] = [[] for _ in self.places]
        for node, edges in enumerate(self.adjacency[profile]):
            for neighbour, step, via in edges:
                reverse[neighbour].append((node, step, via))
        return reverse


def _finite(distance: float) -> float:
    return distance if distance < math.inf else UNREACHABLE


def outage_counts(until: datetime | None, now: datetime) -> bool:
    """An outage counts until its `until` (none: until someone puts the equipment back)."""
    return until is None or until > now


def current_outages(outages: Mapping[str, datetime | None], now: datetime) -> dict[str, datetime | None]:
    return {code: until for code, until in outages.items() if outage_counts(until, now)}


def local_metres(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """(east, north) metres from (lat0, lon0): flat earth is exact at the scale of a station."""
    metres_per_degree = math.radians(1) * EARTH_RADIUS_M
    return (lon - lon0) * metres_per_degree * math.cos(math.radians(lat0)), (lat - lat0) * metres_per_degree


def graph_warnings(graph: RoutingGraph) -> list[GraphWarning]:
    """Platforms a profile cannot reach from the street (or leave to it), exits that lead to no
    platform under a profile, and places one can enter but never leave to the street."""
    warnings: list[GraphWarning] = []
    exits = [i for i, p in enumerate(graph.places) if p.kind == "entrance_exit"]
    platforms = [i for i, p in enumerate(graph.places) if p.kind == "platform"]
    if not exits:
        return warnings
    for profile in PROFILES:
        forward = {node: graph.reachable(node, profile) for node in exits}
        backward = {node: graph.reachable(node, profile, reverse=True) for node in exits}
        from_exits = set().union(*forward.values())
        to_exits = set().union(*backward.values())
        for node in platforms:
            if node not in from_exits or node not in to_exits:
                place = graph.places[node]
                way = "reached from" if node not in from_exits else "left to"
                message = f"platform {place.code!r} cannot be {way} any exit under profile {profile}"
                warnings.append(GraphWarning("unreachable", place.code, profile, message))
        for node in exits:
            if platforms and not (forward[node] & set(platforms) and backward[node] & set(platforms)):
                place = graph.places[node]
                message = f"exit {place.code!r} has no way to and from a platform under profile {profile}"
                warnings.append(GraphWarning("unreachable", place.code, profile, message))
        if profile == "fastest":
            # With every pathway open: a place one can enter but never leave to the street.
            for node in sorted(from_exits - to_exits):
                place = graph.places[node]
                message = f"{place.code!r} can be entered from an exit but no way leads back to one"
                warnings.append(GraphWarning("one_way_trap", place.code, None, message))
    return warnings


# -- routes ---------------------------------------------------------------------------------------


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


def localized(texts: Mapping[str, str], preferred: Sequence[str]) -> str:
    chosen = i18n.pick(texts, list(preferred))
    return chosen[1] if chosen else ""


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


# -- search ---------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case, no accents, no punctuation: "Toilettes (hall)" and "toilettes hall" look alike."""
    folded = reading_order(text)
    return " ".join("".join(c if c.isalnum() else " " for c in folded).split())


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein distance (adjacent swaps count one), or limit + 1 once it is exceeded."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def typo_allowance(word: str) -> int:
    return 0 if len(word) < 4 else 1 if len(word) < 8 else 2


def word_score(query_word: str, text_words: Sequence[str]) -> float:
    """1 for a word found as typed (or a word it begins), less for a typo, 0 when absent."""
    best = 0.0
    for word in text_words:
        if word == query_word:
            return 1.0
        if len(query_word) >= 3 and word.startswith(query_word):
            best = max(best, 0.9)
            continue
        allowance = typo_allowance(query_word)
        if allowance:
            distance = edit_distance(query_word, word, allowance)
            if distance <= allowance:
                best = max(best, 0.8 - 0.2 * (distance - 1))
    return best


def text_score(query: str, text: str) -> float:
    """How well a text matches every word of the query (0: some word is missing)."""
    query_words = fold(query).split()
    text_words = fold(text).split()
    if not query_words or not text_words:
        return 0.0
    # Chinese and Arabic names are often written without spaces between the words people type.
    joined = "".join(text_words)
    scores = []
    for query_word in query_words:
        score = word_score(query_word, text_words)
        if not score and len(query_word) >= 2 and query_word in joined:
            score = 0.9
        if not score:
            return 0.0
        scores.append(score)
    return sum(scores) / len(scores)


@dataclass(frozen=True)
class SearchHit:
    code: str
    score: float


def search(places: Sequence[PlaceRecord], query: str, *, limit: int = 10) -> list[SearchHit]:
    """Places whose name in any language, or whose kind in any language, matches the query."""
    kind_scores = {
        kind: max(text_score(query, word) for word in words) for kind, words in texts.KIND_WORDS.items()
    }
    hits = []
    for place in places:
        score = max((text_score(query, name) for name in place.names.values()), default=0.0)
        score = max(score, kind_scores.get(place.kind, 0.0) * 0.95)
        if place.line and fold(query) in (place.line, f"ligne {place.line}", f"line {place.line}"):
            score = max(score, 0.95)
        if score > 0:
            hits.append(SearchHit(place.code, round(score, 3)))
    hits.sort(key=lambda hit: (-hit.score, hit.code))
    return hits[:limit]


def negotiate_language(preferred: Sequence[str], station_default: str = i18n.DEFAULT_LANGUAGE) -> str:
    """The supported language that best fits the caller's list, else the station's default."""
    for candidate in i18n.fallback_chain([*preferred, station_default]):
        if candidate in texts.LANGUAGES:
            return candidate
    return station_default
