"""bike_share's rules, without I/O: what makes a status report acceptable, who may send it, and
how far a traveller walks to a vehicle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kernel.auth import Principal, Scope
from kernel.geo import distance_m
from kernel.rules import EARLIEST_TIMESTAMP, FieldProblem

# A device clock a little ahead is tolerated; further ahead the report is refused.
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class StatusReport:
    num_vehicles_available: int
    vehicle_types_available: tuple[tuple[str, int], ...]
    num_docks_available: int | None
    is_installed: bool
    is_renting: bool
    is_returning: bool
    last_reported: datetime
    num_vehicles_disabled: int | None = None
    num_docks_disabled: int | None = None


def vehicle_station_id(system_id: str, external_id: str) -> str:
    """Our public id of an operator's station: stable, and unique across systems."""
    return f"{system_id}-{external_id}"


def status_report_problems(
    report: StatusReport, *, capacity: int | None, known_vehicle_types: set[str], now: datetime
) -> list[FieldProblem]:
    """Everything wrong with a report, so the client can fix it in one round."""
    problems: list[FieldProblem] = []
    type_ids = [type_id for type_id, _ in report.vehicle_types_available]
    repeated = sorted({t for t in type_ids if type_ids.count(t) > 1})
    if repeated:
        problems.append(
            FieldProblem("vehicle_types_available", f"listed more than once: {', '.join(repeated)}")
        )
    unknown = sorted(set(type_ids) - known_vehicle_types)
    if unknown:
        problems.append(
            FieldProblem("vehicle_types_available", f"unknown vehicle types: {', '.join(unknown)}")
        )
    total = sum(count for _, count in report.vehicle_types_available)
    if total != report.num_vehicles_available:
        problems.append(
            FieldProblem(
                "num_vehicles_available",
                f"is {report.num_vehicles_available} but vehicle_types_available adds up to {total}",
            )
        )
    if capacity is not None and report.num_vehicles_available > capacity:
        problems.append(
            FieldProblem(
                "num_vehicles_available", f"is {report.num_vehicles_available}, over the capacity {capacity}"
            )
        )
    if capacity is not None and report.num_docks_available is not None:
        used = report.num_vehicles_available + report.num_docks_available
        if used > capacity:
            problems.append(
                FieldProblem(
                    "num_docks_available", f"vehicles + free docks = {used}, over the capacity {capacity}"
                )
            )
    if report.last_reported > now + MAX_CLOCK_SKEW:
        problems.append(FieldProblem("last_reported", "is in the future"))
    if report.last_reported < EARLIEST_TIMESTAMP:
        problems.append(FieldProblem("last_reported", "is before 2000: the device's clock is not set"))
    return problems


def is_stale(report: StatusReport, previous_last_reported: datetime | None) -> bool:
    """Reports may arrive out of order; an older one never overwrites a newer one."""
    return previous_last_reported is not None and report.last_reported < previous_last_reported


def may_report(reporter: Principal, *, system_id: str, vehicle_station_id: str | None = None) -> bool:
    """Operators report any station; a feed device only those of the system it is bound to, and
    a dock only its own vehicle station."""
    if reporter.has_any_scope(Scope.OPERATE):
        return True
    if not reporter.has_any_scope(Scope.REPORT_MOBILITY):
        return False
    bound_to_system = reporter.is_device_bound_to("mobility_feed", system_id)
    bound_to_dock = vehicle_station_id is not None and reporter.is_device_bound_to(
        "mobility_feed", vehicle_station_id
    )
    return bound_to_system or bound_to_dock


def may_change_shared(principal: Principal) -> bool:
    """Systems, vehicle types and pricing plans are shown by every station of the deployment: a
    station's operator changing one would change another station's pages and ingest. Only the
    network's administrators change them; operators change what belongs to their station."""
    return principal.has_any_scope(Scope.NETWORK_ADMIN)


def may_see_feed_reasons(principal: Principal | None, station_id: str) -> bool:
    """Why a feed fails (an operator's URL, its answers) is for the station's operators and the
    network's administrators; the public sees the state only."""
    if principal is None:
        return False
    if principal.has_any_scope(Scope.NETWORK_ADMIN):
        return True
    return principal.has_any_scope(Scope.OPERATE) and principal.may_act_on(station_id)


# A feed's reason names this many skipped items, then how many more.
REASONS_SHOWN = 5


def feed_outcome(problems: list[str]) -> str:
    """A pull that was used: `ok`, or `degraded` when some of its items were skipped."""
    return "degraded" if problems else "ok"


def feed_reason(problems: list[str]) -> str | None:
    if not problems:
        return None
    shown = "; ".join(problems[:REASONS_SHOWN])
    more = len(problems) - REASONS_SHOWN
    return (f"{len(problems)} item(s) skipped: {shown}" + (f"; and {more} more" if more > 0 else ""))[:2000]


# Where a vehicle station has no distance to the station, lists show it after all the others.
UNKNOWN_DISTANCE_M = 1_000_000_000


# A walk is longer than the straight line: streets, crossings. 1.3 is the usual urban detour
# factor; 80 m a minute an unhurried pace with luggage.
DETOUR_FACTOR = 1.3
WALKING_M_PER_MIN = 80.0


def walking_distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> int:
    """An estimate of the walk between two points, in metres."""
    return round(distance_m(lat1, lon1, lat2, lon2) * DETOUR_FACTOR)


def walking_minutes(walk_m: int) -> int:
    return max(1, round(walk_m / WALKING_M_PER_MIN))


@dataclass(frozen=True)
class Place:
    """Something a traveller may walk to: a vehicle station or a free-floating vehicle."""

    kind: str
    id: str
    lat: float
    lon: float
    vehicle_type_ids: frozenset[str]


def nearby(
    places: list[Place], *, lat: float, lon: float, radius_m: int, vehicle_type_ids: set[str] | None
) -> list[tuple[Place, int]]:
    """The places within `radius_m` (straight line) that offer one of the types asked, nearest walk
    first, with their walking distance."""
    found: list[tuple[Place, int]] = []
    for place in places:
        if vehicle_type_ids is not None and not (place.vehicle_type_ids & vehicle_type_ids):
            continue
        if distance_m(lat, lon, place.lat, place.lon) > radius_m:
            continue
        found.append((place, walking_distance_m(lat, lon, place.lat, place.lon)))
    found.sort(key=lambda item: (item[1], item[0].id))
    return found
