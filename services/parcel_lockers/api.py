"""parcel_lockers' routes under /api/v1/stations/{station_id}/lockers, one router per entity; each
stays thin, the rules live in its service and in `domain`."""

from __future__ import annotations

from services.parcel_lockers.banks import api as banks
from services.parcel_lockers.doors import api as doors
from services.parcel_lockers.parcels import api as parcels
from services.parcel_lockers.sweeps import api as sweeps

ROUTERS = (banks.router, parcels.router, doors.router, sweeps.router)
