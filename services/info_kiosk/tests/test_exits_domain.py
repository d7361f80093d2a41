"""The way out's rules: walks outside, lines and names found by what people type, the best exit."""

from __future__ import annotations

from services.info_kiosk.exits import domain
from services.info_kiosk.exits.domain import DestinationRecord, ExitPoint, WayOut

BUS = DestinationRecord(
    "exit-rue-pleyel",
    "bus-pleyel",
    "bus_stop",
    {"fr": "Arrêt Carrefour Pleyel"},
    ("139", "153"),
    48.9187,
    2.345,
    140,
)
STREET = DestinationRecord(
    "exit-bd", "bd-anatole-france", "street", {"fr": "Boulevard Anatole France"}, (), 48.917, 2.3466, None
)
DOCK = DestinationRecord(
    "exit-rue-pleyel",
    "velib-32012",
    "vehicle_station",
    {"fr": "Vélib' Carrefour Pleyel"},
    (),
    48.9203,
    2.3439,
    None,
)


def code_of(found: ExitPoint | WayOut | None) -> str:
    assert found is not None
    return found.code if isinstance(found, ExitPoint) else found.exit_code


def test_a_bus_line_is_found_by_its_number_with_or_without_the_word_bus_or_line():
    for query in ("153", "bus 153", "Ligne 153", "line 153"):
        assert domain.destination_score(query, BUS) == 1.0, query
    assert domain.destination_score("15", BUS) == 0.0
    assert domain.destination_score("rue 153", BUS) < 1.0


def test_names_in_any_language_kinds_and_typos_find_destinations():
    hits = domain.search([BUS, STREET, DOCK], "anatole")
    assert [hit.code for hit in hits] == ["bd-anatole-france"]
    assert [hit.code for hit in domain.search([BUS, STREET, DOCK], "velib")] == ["velib-32012"]
    assert [hit.code for hit in domain.search([BUS, STREET, DOCK], "Vélib'")] == ["velib-32012"]
    assert domain.search([BUS, STREET, DOCK], "bus")[0].code == "bus-pleyel"
    assert domain.search([BUS, STREET, DOCK], "boulevrd anatole")[0].code == "bd-anatole-france"
    assert domain.search([BUS, STREET, DOCK], "aéroport") == []


def test_the_walk_is_the_operators_measure_else_the_crow_flies_plus_the_streets():
    exit_point = ExitPoint("exit-rue-pleyel", 48.9177388, 2.3459976)
    assert domain.walking_m(BUS, exit_point) == 140
    estimated = domain.walking_m(DOCK, exit_point)
    assert 410 <= estimated <= 430  # 323 m as the crow flies, a third more on foot
    assert domain.walking_s(estimated) == estimated


def test_lines_belong_to_stops_only_and_once():
    assert domain.destination_problems(kind="bus_stop", lines=["153", "173"]) == []
    assert [p.field for p in domain.destination_problems(kind="street", lines=["153"])] == ["lines"]
    assert [p.field for p in domain.destination_problems(kind="bus_stop", lines=["153", "153"])] == ["lines"]


def test_a_dock_from_the_catalog_goes_to_the_nearest_exit():
    exits = [ExitPoint("north", 48.9180, 2.3460), ExitPoint("south", 48.9170, 2.3467)]
    assert code_of(domain.nearest_exit(exits, 48.9203, 2.3439)) == "north"
    assert code_of(domain.nearest_exit(exits, 48.9160, 2.3470)) == "south"
    assert domain.nearest_exit([], 48.9, 2.3) is None


def test_the_best_exit_is_the_soonest_there_or_the_least_walked():
    near_but_slow_inside = WayOut("a", inside_s=300, inside_m=250, walking_m=50)
    far_but_quick_inside = WayOut("b", inside_s=100, inside_m=120, walking_m=200)
    assert code_of(domain.best_way_out([near_but_slow_inside, far_but_quick_inside])) == "b"
    # 300 m on foot against 320: who asked to walk least goes the slower way.
    least = domain.best_way_out([near_but_slow_inside, far_but_quick_inside], least_walking=True)
    assert code_of(least) == "a"
    walk_less = WayOut("c", inside_s=200, inside_m=100, walking_m=100)
    assert code_of(domain.best_way_out([far_but_quick_inside, walk_less], least_walking=True)) == "c"
    assert domain.best_way_out([]) is None
