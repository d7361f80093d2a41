"""Station identity: every resource, path and subject carries a station slug."""

from zoneinfo import ZoneInfo

STATION_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
STATION_SLUG_MAX_LENGTH = 64
# The network's stations are all in Paris: what a traveller reads is in this time.
STATION_TIME_ZONE = ZoneInfo("Europe/Paris")
