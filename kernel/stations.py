"""Station identity: every resource, path and subject carries a station slug."""

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Path
from pydantic import Field

STATION_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
STATION_SLUG_MAX_LENGTH = 64
# A station slug wherever one is read: request bodies and queries, settings, the catalog.
StationSlug = Annotated[
    str,
    Field(pattern=STATION_SLUG_PATTERN, max_length=STATION_SLUG_MAX_LENGTH, examples=["saint-denis-pleyel"]),
]
# A station slug as a path parameter: the services' routes and the gateway's directory.
StationSlugPath = Annotated[
    str,
    Path(
        pattern=STATION_SLUG_PATTERN,
        max_length=STATION_SLUG_MAX_LENGTH,
        description="Station slug, e.g. saint-denis-pleyel",
        examples=["saint-denis-pleyel"],
    ),
]
# The network's stations are all in Paris: what a traveller reads is in this time.
STATION_TIME_ZONE = ZoneInfo("Europe/Paris")
