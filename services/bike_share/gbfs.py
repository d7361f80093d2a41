"""The GBFS 3.0 documents of a station, from our model: pure functions, no I/O.

Each metro station publishes one GBFS system, `gare-numerique-{station}` (the id the network
manifest of the hub lists), that merges every operator around it, as aggregators do: station and
vehicle type ids are ours (`{system}-{external id}`), so ids of two operators never collide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.bike_share.models import PricingPlan, System, Vehicle, VehicleStation, VehicleType

VERSION = "3.0"
LANGUAGES = ("fr", "en")
# Seconds a consumer may keep a file: availability moves every minute, the rest rarely.
LIVE_TTL = 30
STATIC_TTL = 300

# Every file we may publish, in the order of gbfs.json; `manifest` is listed by the manifest itself.
FEEDS = (
    "gbfs",
    "gbfs_versions",
    "system_information",
    "vehicle_types",
    "station_information",
    "station_status",
    "vehicle_status",
    "system_pricing_plans",
)
LIVE_FEEDS = frozenset({"station_status", "vehicle_status"})


def gbfs_system_id(station_id: str) -> str:
    """The id of a station's GBFS system (the same as the hub's network manifest)."""
    return f"gare-numerique-{station_id}"


def localized(texts: Mapping[str, str] | None) -> list[dict[str, str]]:
    """`{"fr": "...", "en": "..."}` as GBFS 3.0 localized strings."""
    return [{"text": text, "language": lang} for lang, text in sorted((texts or {}).items())]


def present(**fields: Any) -> dict[str, Any]:
    """The optional fields that have a value: GBFS forbids null, a field without one is left out."""
    return {name: value for name, value in fields.items() if value is not None}


def timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


@dataclass(frozen=True)
class StationFeeds:
    """Everything one station's GBFS files show."""

    station_id: str
    station_name: str
    base_url: str  # where consumers reach /gbfs/{station}/ (the gateway's public URL)
    contact_email: str
    timezone: str
    systems: Sequence[System]
    vehicle_types: Sequence[VehicleType]
    pricing_plans: Sequence[PricingPlan]
    vehicle_stations: Sequence[VehicleStation]
    vehicles: Sequence[Vehicle]
    started_at: datetime

    def url(self, feed: str) -> str:
        return f"{self.base_url.rstrip('/')}/gbfs/{self.station_id}/{feed}.json"

    def feeds(self) -> list[str]:
        """The files this station publishes: pricing plans only where some exist."""
        return [f for f in FEEDS if f != "system_pricing_plans" or self.pricing_plans]

    def last_updated(self, feed: str) -> datetime:
        """When what `feed` shows last changed (the start of the service when nothing did)."""
        moments: list[datetime | None] = [self.started_at]
        if feed in ("system_information", "gbfs", "gbfs_versions", "manifest"):
            moments += [s.updated_at for s in self.systems]
        if feed == "vehicle_types":
            moments += [t.updated_at or t.created_at for t in self.vehicle_types]
        if feed == "system_pricing_plans":
            moments += [p.updated_at for p in self.pricing_plans]
        if feed == "station_information":
            moments += [s.updated_at or s.created_at for s in self.vehicle_stations]
        if feed == "station_status":
            moments += [s.status.updated_at for s in self.vehicle_stations if s.status is not None]
        if feed == "vehicle_status":
            moments += [v.updated_at for v in self.vehicles]
        return max(m for m in moments if m is not None)


def envelope(feeds: StationFeeds, feed: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "last_updated": timestamp(feeds.last_updated(feed)),
        "ttl": LIVE_TTL if feed in LIVE_FEEDS else STATIC_TTL,
        "version": VERSION,
        "data": data,
    }


def manifest(feeds: StationFeeds) -> dict[str, Any]:
    dataset = {
        "system_id": gbfs_system_id(feeds.station_id),
        "versions": [{"version": VERSION, "url": feeds.url("gbfs")}],
    }
    return envelope(feeds, "manifest", {"datasets": [dataset]})


def discovery(feeds: StationFeeds) -> dict[str, Any]:
    return envelope(feeds, "gbfs", {"feeds": [{"name": f, "url": feeds.url(f)} for f in feeds.feeds()]})


def versions(feeds: StationFeeds) -> dict[str, Any]:
    return envelope(feeds, "gbfs_versions", {"versions": [{"version": VERSION, "url": feeds.url("gbfs")}]})


def system_information(feeds: StationFeeds) -> dict[str, Any]:
    operators = sorted(
        {(s.operator or s.name).get("fr") or next(iter(s.name.values())) for s in feeds.systems}
    )
    data: dict[str, Any] = {
        "system_id": gbfs_system_id(feeds.station_id),
        "languages": list(LANGUAGES),
        "name": localized(
            {
                "fr": f"Mobilités partagées — {feeds.station_name}",
                "en": f"Shared mobility — {feeds.station_name}",
            }
        ),
        "opening_hours": "24/7",
        "feed_contact_email": feeds.contact_email,
        "timezone": feeds.timezone,
    }
    if operators:
        data["attribution_organization_name"] = localized({"fr": ", ".join(operators)})
    return envelope(feeds, "system_information", data)


def vehicle_types(feeds: StationFeeds) -> dict[str, Any]:
    listed = []
    for t in feeds.vehicle_types:
        item: dict[str, Any] = {
            "vehicle_type_id": t.id,
            "form_factor": t.form_factor,
            "propulsion_type": t.propulsion_type,
            "name": localized(t.name),
            **present(max_range_meters=t.max_range_meters, default_pricing_plan_id=t.pricing_plan_id),
        }
        listed.append(item)
    return envelope(feeds, "vehicle_types", {"vehicle_types": listed})


def station_types(station: VehicleStation, types: Iterable[VehicleType]) -> list[str]:
    return sorted(t.id for t in types if t.system_id == station.system_id)


def station_information(feeds: StationFeeds) -> dict[str, Any]:
    listed = []
    for s in feeds.vehicle_stations:
        item: dict[str, Any] = {
            "station_id": s.id,
            "name": localized({"fr": s.name}),
            "lat": s.lat,
            "lon": s.lon,
            "is_charging_station": s.kind == "charging",
            **present(capacity=s.capacity),
        }
        if s.kind == "car_sharing":
            item["parking_type"] = "parking_lot"
        listed.append(item)
    return envelope(feeds, "station_information", {"stations": listed})


def station_status(feeds: StationFeeds) -> dict[str, Any]:
    listed = []
    for s in feeds.vehicle_stations:
        if s.status is None:
            continue  # never reported: consumers must not read "0 available"
        st = s.status
        item: dict[str, Any] = {
            "station_id": s.id,
            "num_vehicles_available": st.num_vehicles_available,
            "vehicle_types_available": [
                {"vehicle_type_id": c["vehicle_type_id"], "count": c["count"]}
                for c in st.vehicle_types_available
            ],
            "is_installed": st.is_installed,
            "is_renting": st.is_renting,
            "is_returning": st.is_returning,
            "last_reported": timestamp(st.last_reported),
            **present(
                num_vehicles_disabled=st.num_vehicles_disabled,
                num_docks_available=st.num_docks_available,
                num_docks_disabled=st.num_docks_disabled,
            ),
        }
        listed.append(item)
    return envelope(feeds, "station_status", {"stations": listed})


def vehicle_status(feeds: StationFeeds) -> dict[str, Any]:
    listed = []
    for v in feeds.vehicles:
        item: dict[str, Any] = {
            "vehicle_id": v.id,
            "lat": v.lat,
            "lon": v.lon,
            "is_reserved": v.is_reserved,
            "is_disabled": v.is_disabled,
            "vehicle_type_id": v.vehicle_type_id,
            "last_reported": timestamp(v.last_reported),
            **present(current_range_meters=v.current_range_meters),
        }
        listed.append(item)
    return envelope(feeds, "vehicle_status", {"vehicles": listed})


def system_pricing_plans(feeds: StationFeeds) -> dict[str, Any]:
    plans = []
    for p in feeds.pricing_plans:
        plan: dict[str, Any] = {
            "plan_id": p.id,
            "name": localized(p.name),
            "currency": p.currency,
            "price": p.price,
            "is_taxable": p.is_taxable,
            "description": localized(p.description),
        }
        if p.per_min_pricing:
            # An open-ended segment has no `end` at all.
            plan["per_min_pricing"] = [present(**seg) for seg in p.per_min_pricing]
        plans.append(plan)
    return envelope(feeds, "system_pricing_plans", {"plans": plans})


RENDERERS = {
    "manifest": manifest,
    "gbfs": discovery,
    "gbfs_versions": versions,
    "system_information": system_information,
    "vehicle_types": vehicle_types,
    "station_information": station_information,
    "station_status": station_status,
    "vehicle_status": vehicle_status,
    "system_pricing_plans": system_pricing_plans,
}
