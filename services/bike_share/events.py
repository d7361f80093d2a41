"""What bike_share publishes on NATS."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from kernel.contracts import mobility
from kernel.events import OutgoingEvent, new_event
from services.bike_share.models import VehicleStation, VehicleStationStatus


def status_changed(
    station: VehicleStation, status: VehicleStationStatus, kinds: Mapping[str, tuple[str, str]]
) -> OutgoingEvent:
    """`kinds`: each vehicle type's form factor and propulsion, by id (`vehicle_type_kinds`)."""
    data = mobility.VehicleStationStatusChanged(
        vehicle_station_id=station.id,
        system_id=station.system_id,
        name=station.name,
        lat=station.lat,
        lon=station.lon,
        capacity=station.capacity,
        num_vehicles_available=status.num_vehicles_available,
        vehicle_types_available=[
            mobility.VehicleTypeCountOfKind(
                **c,
                form_factor=kinds.get(c["vehicle_type_id"], (None, None))[0],
                propulsion_type=kinds.get(c["vehicle_type_id"], (None, None))[1],
            )
            for c in status.vehicle_types_available
        ],
        num_docks_available=status.num_docks_available,
        is_installed=status.is_installed,
        is_renting=status.is_renting,
        is_returning=status.is_returning,
        last_reported=status.last_reported,
    )
    return new_event(
        station_id=station.station_id,
        domain=mobility.DOMAIN,
        entity=mobility.VEHICLE_STATION,
        verb=mobility.STATUS_CHANGED,
        data=data,
        subject=station.id,
    )


def configuration_changed(
    stations: Iterable[str], entity: str, verb: str, *, id: str, system_id: str
) -> list[OutgoingEvent]:
    """One notice per station of the deployment (systems, types and plans are shared by them)."""
    assert entity in mobility.CONFIGURATION_ENTITIES
    data = mobility.ConfigurationChanged(id=id, system_id=system_id)
    return [
        new_event(station_id=station, domain=mobility.DOMAIN, entity=entity, verb=verb, data=data, subject=id)
        for station in stations
    ]
