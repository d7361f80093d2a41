"""The station graph's records and rules: kinds, modes, profiles, what a pathway costs, what
makes a graph unusable (refused) and which equipment outages still count."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kernel.geo import EARTH_RADIUS_M
from kernel.rules import FieldProblem

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


def outage_counts(until: datetime | None, now: datetime) -> bool:
    """An outage counts until its `until` (none: until someone puts the equipment back)."""
    return until is None or until > now


def current_outages(outages: Mapping[str, datetime | None], now: datetime) -> dict[str, datetime | None]:
    return {code: until for code, until in outages.items() if outage_counts(until, now)}


def local_metres(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """(east, north) metres from (lat0, lon0): flat earth is exact at the scale of a station."""
    metres_per_degree = math.radians(1) * EARTH_RADIUS_M
    return (lon - lon0) * metres_per_degree * math.cos(math.radians(lat0)), (lat - lat0) * metres_per_degree
