"""The way out's rules, without I/O: walking distances outside, which destinations a query names,
which exit serves a destination best."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from kernel.geo import distance_m
from kernel.rules import FieldProblem
from services.info_kiosk.domain.search import fold, text_score

DestinationKind = Literal[
    "street", "bus_stop", "tram_stop", "vehicle_station", "charging_point", "taxi", "landmark"
]
# Kinds that are served by lines (a bus stop's 153, 173, 255).
WITH_LINES = frozenset({"bus_stop", "tram_stop"})
# Streets are not straight lines: what a person walks is about a third more than as the crow flies.
DETOUR = 1.3
# A walking pace for everyone, slower people included (m/s; the station's pathways use the same).
PACE_M_S = 1.0
# What people type for each kind, in the kiosk's languages.
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "street": (
        "rue",
        "avenue",
        "boulevard",
        "street",
        "calle",
        "strasse",
        "straße",
        "via",
        "rua",
        "街",
        "شارع",
    ),
    "bus_stop": (
        "bus",
        "autobus",
        "arrêt",
        "stop",
        "parada",
        "haltestelle",
        "fermata",
        "paragem",
        "公交",
        "حافلة",
    ),
    "tram_stop": ("tram", "tramway", "straßenbahn", "tranvía", "eléctrico", "有轨电车", "ترام"),
    "vehicle_station": ("vélib", "velib", "vélo", "bike", "bicicleta", "fahrrad", "bici", "自行车", "دراجة"),
    "charging_point": (
        "recharge",
        "borne",
        "charging",
        "charger",
        "carga",
        "ladestation",
        "ricarica",
        "carregamento",
        "充电",
        "شحن",
    ),
    "taxi": ("taxi", "taxis", "vtc", "出租车", "سيارة أجرة"),
    "landmark": (),
}


@dataclass(frozen=True)
class DestinationRecord:
    exit_code: str
    code: str
    kind: str
    names: dict[str, str]
    lines: tuple[str, ...]
    lat: float
    lon: float
    walking_m: float | None


@dataclass(frozen=True)
class ExitPoint:
    code: str
    lat: float
    lon: float


def estimated_walking_m(exit_lat: float, exit_lon: float, lat: float, lon: float) -> float:
    """The walk from an exit to a point outside, as the crow flies plus the streets' detour, whole metres."""
    return float(round(distance_m(exit_lat, exit_lon, lat, lon) * DETOUR))


def walking_m(destination: DestinationRecord, exit_point: ExitPoint) -> float:
    """The operator's measured walk when they gave one, else the estimate."""
    if destination.walking_m is not None:
        return destination.walking_m
    return estimated_walking_m(exit_point.lat, exit_point.lon, destination.lat, destination.lon)


def walking_s(metres: float) -> float:
    return round(metres / PACE_M_S, 1)


def destination_problems(*, kind: str, lines: Sequence[str]) -> list[FieldProblem]:
    """Lines belong to stops; a street or a landmark with lines is a mistake the operator should see."""
    problems = []
    if lines and kind not in WITH_LINES:
        problems.append(FieldProblem("lines", f"a {kind} has no lines; only bus and tram stops do"))
    if len(set(lines)) != len(lines):
        problems.append(FieldProblem("lines", "a line is listed twice"))
    return problems


def line_matches(query: str, lines: Iterable[str]) -> bool:
    """ "153", "bus 153", "ligne 153", "line 153", "T8" find a stop served by that line."""
    words = fold(query).split()
    if not words:
        return False
    wanted = words[-1]
    if len(words) > 1 and not all(word in LINE_PREFIXES for word in words[:-1]):
        return False
    return any(fold(line) == wanted for line in lines)


LINE_PREFIXES = frozenset(
    {"bus", "ligne", "line", "linea", "línea", "linie", "linha", "tram", "autobus", "noctilien", "n"}
)


def destination_score(query: str, destination: DestinationRecord) -> float:
    """How well a query names a destination: its line, its name in any language, or its kind."""
    if destination.lines and line_matches(query, destination.lines):
        return 1.0
    score = max((text_score(query, name) for name in destination.names.values()), default=0.0)
    kind_words = KIND_WORDS.get(destination.kind, ())
    if kind_words:
        score = max(score, max(text_score(query, word) for word in kind_words) * 0.9)
    return score


@dataclass(frozen=True)
class DestinationHit:
    exit_code: str
    code: str
    score: float


def search(destinations: Sequence[DestinationRecord], query: str) -> list[DestinationHit]:
    """Destinations the query names, best first; the same destination under two exits is two hits."""
    hits = []
    for destination in destinations:
        score = destination_score(query, destination)
        if score > 0:
            hits.append(DestinationHit(destination.exit_code, destination.code, round(score, 3)))
    hits.sort(key=lambda hit: (-hit.score, hit.code, hit.exit_code))
    return hits


def nearest_exit(exits: Sequence[ExitPoint], lat: float, lon: float) -> ExitPoint | None:
    """The exit closest to a point outside (how catalog destinations find their exit)."""
    return min(exits, key=lambda e: (distance_m(e.lat, e.lon, lat, lon), e.code), default=None)


@dataclass(frozen=True)
class WayOut:
    """An exit chosen for a destination: the time inside to reach it, then the walk outside."""

    exit_code: str
    inside_s: float
    inside_m: float
    walking_m: float

    @property
    def total_s(self) -> float:
        return self.inside_s + walking_s(self.walking_m)


def best_way_out(candidates: Sequence[WayOut], *, least_walking: bool = False) -> WayOut | None:
    """The exit that gets the traveller there soonest, inside and outside together; for a traveller
    who asked to walk least, the one with the fewest metres on foot."""
    if least_walking:
        return min(candidates, key=lambda c: (c.inside_m + c.walking_m, c.total_s, c.exit_code), default=None)
    return min(candidates, key=lambda c: (c.total_s, c.walking_m, c.exit_code), default=None)
