"""The one list of the station's components: names, tokens, ports. Everything else derives from it.

A service has one name in code, settings and docs (`bike_share`) and one token in paths and NATS
subjects (`mobility`): `/api/v1/stations/{station}/mobility/...`, `gare.{station}.mobility....`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Component:
    """A process of the station stack."""

    name: str
    default_port: int

    @property
    def module(self) -> str:
        """`python -m <module>` runs it."""
        return self.name if self.name == "gateway" else f"services.{self.name}"

    @property
    def env_prefix(self) -> str:
        """Its settings come from env vars with this prefix (BIKE_SHARE_PORT...)."""
        return f"{self.name.upper()}_"


@dataclass(frozen=True)
class Service(Component):
    """A service behind the gateway."""

    # Path and subject token: /api/v1/stations/{station}/{domain}/..., gare.{station}.{domain}....
    domain: str = ""
    # Reads (GET, HEAD) under its station prefix that need no token.
    public_reads: bool = False
    # When not all its reads are public: the sub-paths of its station prefix whose reads are
    # (`/availability` covers `.../lockers/availability` and everything below it). A `{name}` segment
    # stands for any one segment: `/media/{sha256}` covers one file, not the list at `/media`.
    public_read_paths: tuple[str, ...] = ()
    # Writes (POST) under its station prefix that need no token, each exactly one path (a visitor's
    # QR scan): the service alone decides what they change; the gateway limits them as writes.
    public_write_paths: tuple[str, ...] = ()
    # Top-level path prefixes it serves besides /api/v1/stations/{station}/{domain} (all public).
    extra_prefixes: tuple[str, ...] = ()
    # Public reads that show more to some callers (an operator sees why a feed fails): a valid
    # token sent with them passes on to the service; without one, or with a refused one, public.
    reads_shown_more_with_token: tuple[str, ...] = ()

    @property
    def path_prefix(self) -> str:
        return f"/api/v1/stations/{{station_id}}/{self.domain}"

    def is_public_read(self, rest: str) -> bool:
        """Whether a GET of `rest` (the path after `/api/v1/stations/{station}/{domain}`) needs no token."""
        if self.public_reads:
            return True
        return any(_covers(path, rest) for path in self.public_read_paths)

    def is_public_write(self, rest: str) -> bool:
        """Whether a POST of exactly `rest` needs no token."""
        return any(
            _covers(path, rest) and rest.count("/") == path.count("/") for path in self.public_write_paths
        )


def _covers(prefix: str, rest: str) -> bool:
    """Whether `rest` is `prefix` or below it, segment by segment; `{name}` is any non-empty segment."""
    if "{" not in prefix:
        return rest == prefix or rest.startswith(f"{prefix}/")
    wanted = prefix.split("/")
    parts = rest.split("/")
    if len(parts) < len(wanted):
        return False
    return all(
        part != "" if want.startswith("{") else part == want
        for want, part in zip(wanted, parts, strict=False)
    )


PARCEL_LOCKERS = Service("parcel_lockers", 8101, domain="lockers", public_read_paths=("/availability",))
# The operators' media list needs a token; a file, named by its hash, is public (screens fetch it).
# The agenda (its events and iCalendar feed), the station's welcome and a work's page (a visitor opens
# it from a screen's QR code, and the scan is counted) are for everyone.
SIGNAGE = Service(
    "signage",
    8102,
    domain="signage",
    public_read_paths=("/media/{sha256}", "/agenda", "/welcome", "/works/{exhibition}/{work}"),
    public_write_paths=("/works/{exhibition}/{work}/scans",),
)
BIKE_SHARE = Service(
    "bike_share",
    8103,
    domain="mobility",
    public_reads=True,
    extra_prefixes=("/gbfs",),
    reads_shown_more_with_token=("/feeds",),
)
# Every read of the kiosk is public but the graph's validation, an operator's report: the gateway
# must pass the operator's token on to it.
INFO_KIOSK = Service(
    "info_kiosk",
    8104,
    domain="kiosk",
    public_read_paths=(
        "/departures",
        "/disruptions",
        "/equipment",
        "/exits",
        "/graph/gtfs",
        "/levels",
        "/live",
        "/map",
        "/mobility",
        "/pathways",
        "/places",
        "/points-of-interest",
        "/route",
        "/search",
    ),
)

SERVICES: tuple[Service, ...] = (PARCEL_LOCKERS, SIGNAGE, BIKE_SHARE, INFO_KIOSK)
GATEWAY = Component("gateway", 8080)
COMPONENTS: tuple[Component, ...] = (*SERVICES, GATEWAY)

SERVICE_BY_NAME = {s.name: s for s in SERVICES}
SERVICE_BY_DOMAIN = {s.domain: s for s in SERVICES}
