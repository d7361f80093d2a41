"""Station identity: every resource, path and subject carries a station slug."""

STATION_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
STATION_SLUG_MAX_LENGTH = 64
