"""Reading operators' GBFS feeds (2.3, 3.0, and the Vélib' Métropole dialect): pure functions that
turn the files a feed serves into our model's values, or say why they cannot be used.

A feed is validated against the official schema of the version it claims: a file that fails it
rejects the whole pull (the last good data stays, marked stale, and the reason is recorded). Then
each item (a vehicle type, a station and its status, a vehicle) is checked for what schemas cannot
see (coordinates far from anything, counts over capacity, a shape nobody expected): an item at
fault is skipped alone, with its reason, and the others are used.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker

SCHEMAS = Path(__file__).parent / "gbfs_schemas"
SUPPORTED = ("2.3", "3.0")
# The Vélib' Métropole feed has no `version`: it is GBFS 1.0 with the operator's own quirks.
LEGACY = "legacy"
# The files we read, by version (2.3 calls vehicle_status free_bike_status).
WANTED = {
    "3.0": ("system_information", "vehicle_types", "station_information", "station_status", "vehicle_status"),
    "2.3": (
        "system_information",
        "vehicle_types",
        "station_information",
        "station_status",
        "free_bike_status",
    ),
    LEGACY: ("station_information", "station_status"),
}
REQUIRED = ("station_information", "station_status")
# Vélib's type names, as our vehicle types.
LEGACY_TYPES = {"mechanical": ("mechanical", "human"), "ebike": ("ebike", "electric_assist")}


class FeedRejected(Exception):
    """The feed cannot be used; `reason` says why, for the operator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@functools.cache
def validator(version: str, feed: str) -> Draft7Validator | None:
    path = SCHEMAS / f"v{version}" / f"{feed}.json"
    if not path.exists():
        return None
    return Draft7Validator(json.loads(path.read_text(encoding="utf-8")), format_checker=FormatChecker())


def claimed_version(discovery: Mapping[str, Any]) -> str:
    version = discovery.get("version")
    if version is None:
        return LEGACY
    if version not in SUPPORTED:
        raise FeedRejected(f"gbfs.json claims version {version!r}; supported: {', '.join(SUPPORTED)}")
    return str(version)


def feed_urls(discovery: Mapping[str, Any], version: str) -> dict[str, str]:
    """The files a discovery file lists: 3.0 lists them once, 2.3 and older once per language."""
    data = discovery.get("data")
    if not isinstance(data, dict):
        raise FeedRejected("gbfs.json has no `data` object")
    if version == "3.0":
        feeds = data.get("feeds")
    else:
        languages = [v for v in data.values() if isinstance(v, dict)]
        feeds = languages[0].get("feeds") if languages else None
    if not isinstance(feeds, list):
        raise FeedRejected("gbfs.json lists no feeds")
    urls = {str(f.get("name")): str(f.get("url")) for f in feeds if isinstance(f, dict)}
    missing = [f for f in REQUIRED if f not in urls]
    if missing:
        raise FeedRejected(f"gbfs.json does not list {', '.join(missing)}")
    return {name: url for name, url in urls.items() if name in WANTED[version]}


def check_schema(version: str, feed: str, document: Any) -> None:
    if version == LEGACY:
        return
    found = validator(version, feed)
    if found is None:
        return
    errors = sorted(found.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise FeedRejected(
            f"{feed}.json is not valid GBFS {version} ({len(errors)} error(s)); first at {where}: {first.message[:200]}"
        )


@dataclass(frozen=True)
class TypeRecord:
    id: str
    form_factor: str
    propulsion_type: str
    name: dict[str, str]
    max_range_meters: int | None


@dataclass(frozen=True)
class StationRecord:
    external_id: str
    name: str
    lat: float
    lon: float
    capacity: int | None
    status: dict[str, Any] | None


@dataclass(frozen=True)
class VehicleRecord:
    external_id: str
    vehicle_type_id: str
    lat: float
    lon: float
    is_reserved: bool
    is_disabled: bool
    current_range_meters: int | None
    last_reported: datetime


@dataclass
class Snapshot:
    """A feed's content in our terms (type ids already prefixed with the system id)."""

    version: str
    ttl: int
    vehicle_types: list[TypeRecord] = field(default_factory=list)
    stations: list[StationRecord] = field(default_factory=list)
    vehicles: list[VehicleRecord] = field(default_factory=list)
    # Items skipped, each with why; a skipped station keeps what the feed said of it before.
    problems: list[str] = field(default_factory=list)
    skipped_stations: set[str] = field(default_factory=set)


def item_problem(exc: Exception) -> str:
    """Why one item of a feed could not be used, for the operator."""
    return exc.reason if isinstance(exc, FeedRejected) else f"{type(exc).__name__}: {exc}"[:300]


def text_of(value: Any, default: str = "") -> dict[str, str]:
    """A name as 3.0 localized strings or a plain 2.3 string, as `{lang: text}`."""
    if isinstance(value, list):
        return {str(v["language"]): str(v["text"]) for v in value if isinstance(v, dict) and "text" in v}
    if isinstance(value, str):
        return {"fr": value}
    return {"fr": default} if default else {}


def moment(value: Any, fallback: datetime) -> datetime:
    """3.0 timestamps are RFC 3339 strings, 2.3 and older ones POSIX seconds."""
    if isinstance(value, bool):
        return fallback
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return fallback
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return fallback


def as_bool(value: Any, default: bool = True) -> bool:
    """Vélib' sends 0/1 where GBFS says true/false."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    return default


def count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FeedRejected(f"{what} is not a count: {value!r}")
    return value


def snapshot(system_id: str, version: str, files: Mapping[str, Any], *, now: datetime) -> Snapshot:
    """Everything the feed says, checked. FeedRejected when a file cannot be used at all; an item
    that cannot be used is left out and named in `problems`."""
    for feed, document in files.items():
        if not isinstance(document, dict) or not isinstance(document.get("data"), dict):
            raise FeedRejected(f"{feed}.json has no `data` object")
        if version != LEGACY and document.get("version") not in (None, version):
            raise FeedRejected(
                f"{feed}.json claims version {document.get('version')!r}, gbfs.json {version!r}"
            )
        check_schema(version, feed, document)
    ttl = files["station_status"].get("ttl", 60)
    result = Snapshot(version=version, ttl=ttl if isinstance(ttl, int) and ttl >= 0 else 60)

    def prefixed(type_id: Any) -> str:
        return f"{system_id}-{type_id}"

    if version == LEGACY:
        result.vehicle_types = [
            TypeRecord(
                prefixed(key), "bicycle", propulsion, {"fr": key}, 50_000 if propulsion != "human" else None
            )
            for key, (_, propulsion) in LEGACY_TYPES.items()
        ]
    else:
        for t in listed(files.get("vehicle_types", {}), "vehicle_types"):
            try:
                result.vehicle_types.append(type_record(t, prefixed))
            except Exception as exc:  # untrusted input: whatever one item raises is that item's fault
                result.problems.append(f"vehicle type {item_id(t, 'vehicle_type_id')}: {item_problem(exc)}")
    known_types = {t.id for t in result.vehicle_types}
    statuses = {
        str(s.get("station_id")): s
        for s in listed(files["station_status"], "stations")
        if isinstance(s, dict)
    }
    for info in listed(files["station_information"], "stations"):
        external_id = item_id(info, "station_id")
        try:
            result.stations.append(
                station_record(info, statuses.get(external_id), version, known_types, prefixed, now)
            )
        except Exception as exc:  # untrusted input: whatever one item raises is that item's fault
            result.skipped_stations.add(external_id)
            result.problems.append(f"station {external_id}: {item_problem(exc)}")
    vehicles_feed = files.get("vehicle_status") or files.get("free_bike_status")
    if vehicles_feed is not None:
        for v in listed(vehicles_feed, "vehicles") or listed(vehicles_feed, "bikes"):
            if not isinstance(v, dict) or "lat" not in v or "lon" not in v or "vehicle_type_id" not in v:
                continue  # docked vehicles are counted in station_status
            try:
                result.vehicles.append(vehicle_record(v, prefixed, now))
            except Exception as exc:  # untrusted input: whatever one item raises is that item's fault
                result.problems.append(f"vehicle {item_id(v, 'vehicle_id')}: {item_problem(exc)}")
    return result


def listed(document: Mapping[str, Any], key: str) -> list[Any]:
    """The items a file lists under `data.<key>`; nothing when it lists none."""
    data = document.get("data")
    items = data.get(key) if isinstance(data, dict) else None
    return items if isinstance(items, list) else []


def item_id(item: Any, key: str) -> str:
    return str(item.get(key))[:64] if isinstance(item, dict) else "?"


def type_record(t: Mapping[str, Any], prefixed: Any) -> TypeRecord:
    return TypeRecord(
        prefixed(t["vehicle_type_id"]),
        t["form_factor"],
        t["propulsion_type"],
        text_of(t.get("name"), str(t["vehicle_type_id"])),
        t.get("max_range_meters"),
    )


def station_record(
    info: Mapping[str, Any],
    status: Mapping[str, Any] | None,
    version: str,
    known_types: set[str],
    prefixed: Any,
    now: datetime,
) -> StationRecord:
    external_id = str(info.get("station_id"))
    lat, lon = info.get("lat"), info.get("lon")
    if (
        not isinstance(lat, int | float)
        or not isinstance(lon, int | float)
        or not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        raise FeedRejected(f"absurd coordinates ({lat!r}, {lon!r})")
    if lat == 0 and lon == 0:
        raise FeedRejected("it is at (0, 0)")
    capacity = info.get("capacity")
    capacity = count(capacity, "capacity") if capacity is not None else None
    mapped = (
        map_status(status, version, known_types, prefixed, capacity, external_id, now) if status else None
    )
    name = text_of(info.get("name"), external_id)
    return StationRecord(
        external_id, name.get("fr") or next(iter(name.values())), float(lat), float(lon), capacity, mapped
    )


def vehicle_record(v: Mapping[str, Any], prefixed: Any, now: datetime) -> VehicleRecord:
    return VehicleRecord(
        external_id=str(v.get("vehicle_id") or v.get("bike_id")),
        vehicle_type_id=prefixed(v["vehicle_type_id"]),
        lat=float(v["lat"]),
        lon=float(v["lon"]),
        is_reserved=as_bool(v.get("is_reserved"), False),
        is_disabled=as_bool(v.get("is_disabled"), False),
        current_range_meters=v.get("current_range_meters"),
        last_reported=moment(v.get("last_reported"), now),
    )


def map_status(
    status: Mapping[str, Any],
    version: str,
    known_types: set[str],
    prefixed: Any,
    capacity: int | None,
    external_id: str,
    now: datetime,
) -> dict[str, Any]:
    if version == LEGACY:
        by_type: dict[str, int] = {}
        for entry in status.get("num_bikes_available_types") or []:
            if not isinstance(entry, dict):
                raise FeedRejected(f"num_bikes_available_types lists {entry!r}, not {{type: count}}")
            for key, value in entry.items():
                by_type[prefixed(key)] = count(value, f"{key} at station {external_id}")
        available = count(status.get("num_bikes_available"), f"bikes at station {external_id}")
    else:
        by_type = {
            prefixed(c["vehicle_type_id"]): count(c["count"], f"count at station {external_id}")
            for c in status.get("vehicle_types_available") or []
        }
        key = "num_vehicles_available" if version == "3.0" else "num_bikes_available"
        available = count(status.get(key), f"vehicles at station {external_id}")
    unknown = sorted(set(by_type) - known_types)
    if unknown:
        raise FeedRejected(f"station {external_id} counts unknown vehicle types: {', '.join(unknown)}")
    docks = status.get("num_docks_available")
    docks = count(docks, f"docks at station {external_id}") if docks is not None else None
    if capacity is not None and available > capacity:
        raise FeedRejected(f"station {external_id} has {available} vehicles for a capacity of {capacity}")
    if by_type and sum(by_type.values()) != available:
        # Vélib' counts types and totals apart, and they disagree at times: the types win.
        available = sum(by_type.values())
    return {
        "num_vehicles_available": available,
        "vehicle_types_available": [{"vehicle_type_id": k, "count": v} for k, v in sorted(by_type.items())],
        "num_docks_available": min(docks, capacity - available)
        if docks is not None and capacity is not None
        else docks,
        "is_installed": as_bool(status.get("is_installed")),
        "is_renting": as_bool(status.get("is_renting")),
        "is_returning": as_bool(status.get("is_returning")),
        "last_reported": min(moment(status.get("last_reported"), now), now),
    }
