"""The routing graph: adjacency per profile built once per graph version, A* with landmark
estimates (ALT), reachability and the warnings a graph earns."""

from __future__ import annotations

import copy
import heapq
import math
import operator
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from services.info_kiosk.domain.graph_rules import (
    PROFILES,
    GraphWarning,
    LevelRecord,
    PathwayRecord,
    PlaceRecord,
    Profile,
    allowed,
    cost,
    current_outages,
    local_metres,
)

# How many landmarks A* measures from: more is a tighter estimate, and a slower first route per profile.
LANDMARKS = 16
# How many of their terms (from and to each landmark) a route uses: those that bound it best at its
# start ("active landmarks"): almost as tight as all of them, and each estimate costs a fifth.
ACTIVE_TERMS = 6
# A landmark distance of "never", finite so that differences stay numbers (far above any route).
UNREACHABLE = 1e12


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
        lists, each node's estimate computed once, as one C-level max over one sum of two vectors
        reduced to the active terms. Any subset of ALT's bounds is still a consistent estimate, so
        the route's cost is the same whichever terms are kept."""
        closed = self.closed_nodes if closed is None else closed
        edges = self.adjacency[profile]
        vectors = self._landmark_vectors(profile)
        # estimate(v) = max over landmarks L of d(L,t) - d(L,v) and d(v,L) - d(t,L), and 0: the
        # node's vector holds (-d(L,v)..., d(v,L)..., 0), the target's (d(L,t)..., -d(t,L)..., 0).
        towards = self._target_vector(profile, target)
        # A graph with places has a landmark, so at least two terms and 0: itemgetter gives a tuple.
        at_source, zero = vectors[source], len(towards) - 1
        best_terms = sorted(range(zero), key=lambda i: towards[i] + at_source[i], reverse=True)
        active = operator.itemgetter(*best_terms[:ACTIVE_TERMS], zero)
        towards = active(towards)
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
                        estimate = estimates[neighbour] = max(map(add, towards, active(vectors[neighbour])))
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
