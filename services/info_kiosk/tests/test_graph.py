"""The station graph's rules without I/O: GTFS round-trip, validation, routes on the demo stations,
outages, search and languages."""

from __future__ import annotations

import pytest

from services.info_kiosk import gtfs
from services.info_kiosk.demo import demo_feed
from services.info_kiosk.domain import graph_rules, languages, routes, routing, search
from services.info_kiosk.domain.graph_rules import LevelRecord, PathwayRecord, PlaceRecord
from services.info_kiosk.domain.routing import RoutingGraph

PUBLISHER = gtfs.Publisher("Gare numérique", "http://127.0.0.1:8080/")

PLEYEL = "saint-denis-pleyel"
VILLEJUIF = "villejuif-institut-gustave-roussy"


def graph(station: str, closed: tuple[str, ...] = ()) -> RoutingGraph:
    feed = demo_feed(station)
    assert feed is not None
    return RoutingGraph(feed.levels, feed.places, feed.pathways, closed)


def places_of(answer: routes.RouteAnswer) -> tuple[str, ...]:
    assert answer.route is not None, answer.explanation
    return answer.route.places


@pytest.mark.parametrize("station", [PLEYEL, VILLEJUIF])
def test_the_demo_graphs_round_trip_through_gtfs(station):
    feed = demo_feed(station)
    assert feed is not None and len({level.code for level in feed.levels}) >= 4
    exported = gtfs.write_feed(station, {"fr": station}, feed, PUBLISHER)
    again = gtfs.read_feed(exported)
    key = lambda record: record.code  # noqa: E731
    assert sorted(again.levels, key=key) == sorted(feed.levels, key=key)
    assert sorted(again.places, key=key) == sorted(feed.places, key=key)
    assert sorted(again.pathways, key=key) == sorted(feed.pathways, key=key)
    # Stable bytes, stable ETag.
    assert gtfs.write_feed(station, {"fr": station}, again, PUBLISHER) == exported
    assert graph_rules.graph_problems(feed.levels, feed.places, feed.pathways) == []
    kinds = {place.kind for place in feed.places}
    assert {"lift", "escalator", "platform", "entrance_exit", "toilets", "locker_bank"} <= kinds
    assert {pathway.mode for pathway in feed.pathways} >= {
        "stairs",
        "escalator",
        "lift",
        "walkway",
        "fare_gate",
    }
    assert len({place.line for place in feed.places if place.kind == "platform"}) >= 2


def test_fastest_takes_stairs_and_escalators_step_free_takes_lifts():
    villejuif = graph(VILLEJUIF)
    fastest = routes.route(villejuif, "exit-bd-maxime-gorki", "quai-15-b", "fastest", ["en"])
    assert places_of(fastest) == (
        "exit-bd-maxime-gorki",
        "hall",
        "gates",
        "mezzanine",
        "escalators-14",
        "quai-14-b",
        "escalators-15",
        "quai-15-b",
    )
    step_free = routes.route(villejuif, "exit-bd-maxime-gorki", "quai-15-b", "step_free", ["en"])
    assert places_of(step_free) == (
        "exit-bd-maxime-gorki",
        "lift-street",
        "hall",
        "gates",
        "mezzanine",
        "lift-15-b",
        "quai-15-b",
    )
    assert step_free.route is not None
    modes = [step.mode for step in step_free.route.steps]
    assert "stairs" not in modes and "escalator" not in modes
    assert [step.instruction for step in step_free.route.steps if step.mode == "lift"] == [
        "Take the lift to Concourse (-1)",
        "Take the lift to Platforms line 15 (-3)",
    ]
    assert step_free.route.level_changes == 2
    assert step_free.route.time_s == sum(step.time_s for step in step_free.route.steps)


def test_pleyel_routes_to_line_14_from_the_street():
    pleyel = graph(PLEYEL)
    fastest = routes.route(pleyel, "exit-rue-pleyel", "quai-14", "fastest", ["fr"])
    # Deep stations: the escalator and the lift beat two flights of stairs.
    assert places_of(fastest) == (
        "exit-rue-pleyel",
        "escalators-rue-pleyel",
        "hall",
        "gates-nord",
        "mezzanine",
        "lift-central",
        "quai-14",
    )
    step_free = routes.route(pleyel, "exit-bd-anatole-france", "quai-14", "step_free", ["fr"])
    assert places_of(step_free) == (
        "exit-bd-anatole-france",
        "lift-street",
        "hall",
        "gates-nord",
        "mezzanine",
        "lift-central",
        "quai-14",
    )
    # One lift ride through the central lift, said once.
    assert step_free.route is not None
    assert step_free.route.steps[-1].instruction == "Prenez l'ascenseur jusqu'au niveau Quais ligne 14 (-3)"
    no_stairs = routes.route(pleyel, "quai-17", "quai-14", "avoid_stairs", ["fr"])
    assert places_of(no_stairs) == ("quai-17", "escalators-14", "quai-14")
    no_escalators = routes.route(pleyel, "exit-rue-pleyel", "quai-15-est", "avoid_escalators", ["fr"])
    assert no_escalators.route is not None
    assert all(step.mode != "escalator" for step in no_escalators.route.steps)
    least_walking = routes.route(pleyel, "quai-16", "quai-14", "least_walking", ["fr"])
    assert "lift-central" in places_of(least_walking)


def test_an_outage_of_the_only_lift_says_so_and_offers_the_stairs():
    villejuif = graph(VILLEJUIF, closed=("lift-15-b",))
    answer = routes.route(villejuif, "exit-bd-maxime-gorki", "quai-15-b", "step_free", ["en"])
    assert answer.route is None
    assert answer.explanation is not None
    assert answer.explanation.code == "only_equipment_out_of_service"
    assert answer.explanation.equipment == ("lift-15-b",)
    assert answer.explanation.message == (
        "The only step-free way to Line 15 platform towards Champigny Centre is out of service: "
        "Lift line 15 platform B."
    )
    assert answer.alternative is not None and answer.alternative.profile == "fastest"
    assert answer.alternative.places[-3:] == ("quai-14-b", "escalators-15", "quai-15-b")
    arabic = routes.route(villejuif, "exit-bd-maxime-gorki", "quai-15-b", "step_free", ["ar"])
    assert arabic.explanation is not None and arabic.explanation.message.startswith("الطريق الوحيد بدون درج")


def test_an_outage_with_another_way_reroutes():
    pleyel = graph(PLEYEL, closed=("lift-street",))
    answer = routes.route(pleyel, "exit-bd-anatole-france", "quai-16", "step_free", ["en"])
    # The street lift is down: the ramp from rue Francis de Pressensé is no use from this exit...
    assert answer.route is None and answer.explanation is not None
    assert answer.explanation.equipment == ("lift-street",)
    from_the_ramp = routes.route(pleyel, "exit-rue-francis-de-pressense", "quai-16", "step_free", ["en"])
    assert places_of(from_the_ramp) == (
        "exit-rue-francis-de-pressense",
        "hall",
        "gates-nord",
        "mezzanine",
        "lift-central",
        "quai-16",
    )
    no_lift = graph(PLEYEL, closed=("escalators-14",))
    assert "escalators-14" not in places_of(
        routes.route(no_lift, "quai-17", "quai-14", "avoid_stairs", ["en"])
    )


def test_no_step_free_route_at_all_is_explained():
    pleyel = graph(PLEYEL)
    answer = routes.route(pleyel, "exit-rue-pleyel", "quai-16", "step_free", ["en"])
    assert answer.explanation is not None and answer.explanation.code == "no_route_for_profile"
    assert answer.alternative is not None


def test_broken_references_and_traps_are_found():
    levels = [LevelRecord("L0", 0, {"fr": "Rue"}), LevelRecord("L-1", -1, {"fr": "Quai"})]
    places = [
        PlaceRecord("exit", "entrance_exit", {"fr": "Sortie"}, "L0", 48.9, 2.3),
        PlaceRecord("quai", "platform", {"fr": "Quai"}, "L-1", 48.9001, 2.3),
        PlaceRecord("cul-de-sac", "node", {"fr": "Couloir"}, "L-9", 48.9002, 2.3),
    ]
    pathways = [
        PathwayRecord("p1", "exit", "quai", "stairs", True, 20, 30),
        PathwayRecord("p2", "quai", "cul-de-sac", "walkway", False, 10, 10),
        PathwayRecord("p3", "quai", "nowhere", "walkway", True),
        PathwayRecord("p1", "quai", "quai", "walkway", True),
    ]
    problems = {(p.field, p.detail) for p in graph_rules.graph_problems(levels, places, pathways)}
    assert ("pathways[2].to_code", "pathway 'p3': no place 'nowhere'") in problems
    assert ("places[2].level_code", "no level 'L-9'") in problems
    assert ("pathways[3].code", "code 'p1' is used twice") in problems
    assert ("pathways[3]", "pathway 'p1' leads to itself") in problems
    warnings = routing.graph_warnings(RoutingGraph(levels, places, pathways[:2]))
    assert ("one_way_trap", "cul-de-sac", None) in {(w.kind, w.place_code, w.profile) for w in warnings}
    assert ("unreachable", "quai", "step_free") in {(w.kind, w.place_code, w.profile) for w in warnings}


def test_the_demo_reports_exits_without_step_free_access():
    warnings = routing.graph_warnings(graph(PLEYEL))
    assert {(w.place_code, w.profile) for w in warnings} == {("exit-rue-pleyel", "step_free")}


@pytest.mark.parametrize(
    "query", ["toilettes", "toilets", "aseos", "toilete", "Toiletten", "WC", "厕所", "مراحيض"]
)
def test_search_finds_the_toilets_in_any_language_and_with_typos(query):
    feed = demo_feed(PLEYEL)
    assert feed is not None
    assert search.search(feed.places, query)[0].code == "toilets-hall"


def test_search_by_name_without_accents_and_by_line():
    feed = demo_feed(VILLEJUIF)
    assert feed is not None
    assert search.search(feed.places, "edouard vaillant")[0].code == "exit-rue-edouard-vaillant"
    assert search.search(feed.places, "quai pont de sevres")[0].code == "quai-15-a"
    assert search.search(feed.places, "ascensor")[0].code.startswith("lift-")
    assert search.search(feed.places, "zzzzqqq") == []


def test_nearest_of_a_kind_follows_the_profile_and_outages():
    pleyel = graph(PLEYEL)
    assert routes.nearest(pleyel, "quai-14", {"toilets"}, "step_free") == "toilets-hall"
    assert routes.nearest(pleyel, "quai-15-ouest", {"lift"}, "fastest") == "lift-15"
    assert (
        routes.nearest(graph(PLEYEL, closed=("lift-15",)), "quai-15-ouest", {"lift"}, "fastest")
        == "lift-central"
    )


def test_language_negotiation_falls_back_to_the_station_language():
    assert languages.negotiate_language(["de-CH", "en"]) == "de"
    assert languages.negotiate_language(["ja"]) == "fr"
    assert languages.negotiate_language(["ar-MA"]) == "ar"
    assert languages.negotiate_language([]) == "fr"


def test_every_text_exists_in_the_eight_languages():
    from services.info_kiosk import texts

    for table in (texts.INSTRUCTIONS, texts.PROFILES, texts.EXPLANATIONS):
        for key, by_language in table.items():
            assert set(by_language) == set(texts.LANGUAGES), key


def test_edit_distance_counts_swaps_once():
    assert search.edit_distance("toilets", "toilest", 2) == 1
    assert search.edit_distance("aseos", "aseso", 1) == 1
    assert search.edit_distance("lift", "stairs", 2) == 3


def plain_dijkstra(graph: RoutingGraph, source: int, target: int, profile: graph_rules.Profile):
    """The textbook search, no estimate, no tricks: what the fast one must agree with."""
    import heapq
    import math

    best = {source: 0.0}
    came: dict[int, tuple[int, int]] = {}
    queue = [(0.0, source)]
    while queue:
        spent, node = heapq.heappop(queue)
        if node == target:
            path = []
            while node != source:
                path.append((node, came[node][1]))
                node = came[node][0]
            return spent, path[::-1]
        if spent > best[node]:
            continue
        for neighbour, step, via in graph.adjacency[profile][node]:
            if neighbour in graph.closed_nodes and neighbour != target:
                continue
            if spent + step < best.get(neighbour, math.inf):
                best[neighbour] = spent + step
                came[neighbour] = (node, via)
                heapq.heappush(queue, (spent + step, neighbour))
    return math.inf, None


def path_cost(graph: RoutingGraph, source: int, path, profile: graph_rules.Profile) -> float:
    total, node = 0.0, source
    for neighbour, via in path:
        steps = [c for n, c, k in graph.adjacency[profile][node] if n == neighbour and k == via]
        assert steps, "the path uses a pathway the profile does not allow"
        total, node = total + steps[0], neighbour
    return total


@pytest.mark.parametrize("seed", range(6))
def test_the_fast_search_finds_the_same_routes_as_plain_dijkstra(seed):
    """Generated graphs with random lengths (so shortest paths are unique), one-way pathways, stairs
    and lifts, and some equipment out of service: the same cost for every pair and profile, and the
    same path."""
    import random

    rng = random.Random(seed)
    levels = [LevelRecord(f"L{-i}", -i, {"fr": f"N{i}"}) for i in range(3)]
    places = [
        PlaceRecord(
            f"p{i}",
            "lift" if i % 7 == 0 else "node",
            {"fr": f"P{i}"},
            f"L{-(i % 3)}",
            48.9 + rng.random() * 0.001,
            2.35 + rng.random() * 0.001,
        )
        for i in range(120)
    ]
    modes = ["walkway", "walkway", "stairs", "escalator", "lift", "travelator"]
    pathways = []
    for k in range(300):
        a, b = rng.sample(range(len(places)), 2)
        pathways.append(
            PathwayRecord(
                f"w{k}",
                places[a].code,
                places[b].code,
                rng.choice(modes),
                rng.random() < 0.8,
                round(rng.uniform(2, 80), 3),
                None,
                None,
            )
        )
    closed = tuple(rng.sample([p.code for p in places if p.kind == "lift"], 3))
    fast = RoutingGraph(levels, places, pathways, closed)
    for profile in graph_rules.PROFILES:
        for _ in range(60):
            source, target = rng.sample(range(len(places)), 2)
            expected, expected_path = plain_dijkstra(fast, source, target, profile)
            found = fast.shortest(source, target, profile)
            if expected_path is None:
                assert found is None
                continue
            assert found is not None
            assert path_cost(fast, source, found, profile) == pytest.approx(expected, rel=1e-9)
            assert found == expected_path


def test_an_outage_whose_until_has_passed_no_longer_counts():
    from datetime import UTC, datetime, timedelta

    now = datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    later = now + timedelta(minutes=5)
    villejuif = graph(VILLEJUIF).with_outages({"lift-15-b": later})
    assert villejuif.current(now) is villejuif  # nothing passed yet: the same graph
    blocked = routes.route(villejuif.current(now), "exit-bd-maxime-gorki", "quai-15-b", "step_free", ["en"])
    assert blocked.route is None
    back = villejuif.current(later)  # `until` is when it stops counting
    assert back.closed == frozenset() and back.outages_change_at is None
    assert "lift-15-b" in places_of(
        routes.route(back, "exit-bd-maxime-gorki", "quai-15-b", "step_free", ["en"])
    )
    # An outage without `until` lasts until someone puts the equipment back.
    assert graph(VILLEJUIF).with_outages({"lift-15-b": None}).current(later).closed == {"lift-15-b"}
    assert graph_rules.outage_counts(None, now) and graph_rules.outage_counts(later, now)
    assert not graph_rules.outage_counts(now, now)


@pytest.mark.parametrize("seed", range(3))
def test_on_a_grid_full_of_ties_the_fast_search_costs_what_plain_dijkstra_costs(seed):
    """Levels of equal corridors joined by stairs, escalators and lifts, as in a deep station: many
    routes of the same cost, one of which is found, never a longer one, under every profile."""
    import random

    rng = random.Random(seed)
    levels = [LevelRecord(f"L{-i}", -i, {"fr": f"N{i}"}) for i in range(3)]
    places, pathways = [], []
    for level in range(3):
        for row in range(6):
            for column in range(6):
                code = f"n{level}-{row}-{column}"
                lat, lon = 48.9 + row * 6 / 111_195, 2.35 + column * 6 / 73_000
                places.append(PlaceRecord(code, "node", {"fr": code}, f"L{-level}", lat, lon))
                if column < 5:
                    pathways.append(
                        PathwayRecord(f"{code}-e", code, f"n{level}-{row}-{column + 1}", "walkway", True, 6.0)
                    )
                if row < 5:
                    pathways.append(
                        PathwayRecord(f"{code}-s", code, f"n{level}-{row + 1}-{column}", "walkway", True, 6.0)
                    )
        if level < 2:
            for index, mode in enumerate(("stairs", "escalator", "lift")):
                row, column = rng.randrange(6), rng.randrange(6)
                pathways.append(
                    PathwayRecord(
                        f"v{level}-{index}",
                        f"n{level}-{row}-{column}",
                        f"n{level + 1}-{row}-{column}",
                        mode,
                        rng.random() < 0.7,
                        12.0,
                        {"stairs": 30, "escalator": 20, "lift": 45}[mode],
                    )
                )
    graph = RoutingGraph(levels, places, pathways)
    for profile in graph_rules.PROFILES:
        for _ in range(40):
            source, target = rng.sample(range(len(places)), 2)
            expected, expected_path = plain_dijkstra(graph, source, target, profile)
            found = graph.shortest(source, target, profile)
            assert (found is None) == (expected_path is None)
            if found is not None:
                assert path_cost(graph, source, found, profile) == pytest.approx(expected, rel=1e-9)
