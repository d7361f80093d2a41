"""Every uniqueness rule answers 409, on create, on rename and on two identical creates at once.

The table below is generated against the models' metadata: every primary key a client chooses, unique
constraint, unique index and unique column of every service and of the gateway is either driven into a
collision through the gateway by the operations that write its columns, or says why no client can
collide on it. A new rule without a line here fails `test_every_uniqueness_rule_is_covered`.

A collision must answer a 409 problem naming the field, and change nothing: the resources involved read
the same before and after. The writes run on a stack of their own (like the fuzzer), on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import MetaData

from deploy.embedded.stack import StationStack
from gateway.models import Base as GatewayBase
from kernel.integrity import unique_rules
from services.bike_share.app import DEFINITION as BIKE_SHARE
from services.info_kiosk.app import DEFINITION as INFO_KIOSK
from services.parcel_lockers.app import DEFINITION as PARCEL_LOCKERS
from services.signage.app import DEFINITION as SIGNAGE
from testkit.auth import phone_sign_in
from testkit.stack import SAINT_DENIS, Tokens, assert_problem, bearer
from tests.conftest import BACKENDS, running_stack

STATION = f"/api/v1/stations/{SAINT_DENIS}"
SCHEMAS: dict[str, MetaData] = {
    "signage": SIGNAGE.metadata,
    "parcel_lockers": PARCEL_LOCKERS.metadata,
    "bike_share": BIKE_SHARE.metadata,
    "info_kiosk": INFO_KIOSK.metadata,
    "gateway": GatewayBase.metadata,
}
Rule = tuple[str, str, tuple[str, ...]]  # component, table, columns

# Rules no client request can collide on, and why. Every other rule has collisions below.
SERVER_CHOSEN = "the server chooses the value (a new id, a digest, a position)"
IDEMPOTENT = "a resend is the same write: answered with what is stored, not a conflict"
READ_MODEL = "a read model written only by the service's consumers, from another service's events"
BUS = "the outbox and inbox of the kernel, written with event ids the server makes"
NO_COLLISIONS: dict[Rule, str] = {
    **{(c, "outbox", ("event_id",)): BUS for c in SCHEMAS if c != "gateway"},
    **{(c, "processed_event", ("consumer", "event_id")): BUS for c in SCHEMAS if c != "gateway"},
    ("signage", "media", ("station_id", "sha256")): "content-addressed: the same bytes are the same media",
    ("signage", "content_item", ("id",)): SERVER_CHOSEN,
    ("signage", "playlist_item", ("playlist_id", "position")): SERVER_CHOSEN,
    ("signage", "playlist", ("id",)): SERVER_CHOSEN,
    ("signage", "screen", ("id",)): SERVER_CHOSEN,
    ("signage", "schedule", ("id",)): SERVER_CHOSEN,
    ("signage", "alert", ("id",)): SERVER_CHOSEN,
    ("signage", "agenda_event", ("id",)): SERVER_CHOSEN,
    ("signage", "agenda_welcome", ("station_id",)): "written only by the sweeper, one row per station",
    ("signage", "alert_ack", ("alert_id", "screen_code")): IDEMPOTENT,
    ("signage", "play", ("id",)): SERVER_CHOSEN,
    ("signage", "play", ("station_id", "screen_code", "play_id")): IDEMPOTENT,
    ("signage", "vehicle_availability", ("station_id", "vehicle_station_id")): READ_MODEL,
    ("signage", "equipment_status", ("station_id", "place_code")): READ_MODEL,
    ("signage", "layout", ("id",)): SERVER_CHOSEN,
    ("signage", "disruption", ("station_id", "disruption_id")): READ_MODEL,
    # Mirrored from the hub's config stream (each exhibition whole, its works and this station's visits):
    # no client of the station writes them.
    ("signage", "exhibition", ("station_id", "code")): READ_MODEL,
    ("signage", "exhibition_work", ("station_id", "exhibition_code", "code")): READ_MODEL,
    ("signage", "exhibition_visit", ("station_id", "exhibition_code", "starts_at")): READ_MODEL,
    ("parcel_lockers", "locker_bank", ("id",)): SERVER_CHOSEN,
    ("parcel_lockers", "compartment", ("id",)): SERVER_CHOSEN,
    ("parcel_lockers", "compartment", ("bank_id", "label")): (
        "written only with a new bank, whose body may not repeat a label (422)"
    ),
    ("parcel_lockers", "parcel", ("id",)): SERVER_CHOSEN,
    ("parcel_lockers", "parcel", ("pickup_code_digest",)): SERVER_CHOSEN,
    ("parcel_lockers", "parcel_status_change", ("id",)): SERVER_CHOSEN,
    ("parcel_lockers", "door_opening", ("id",)): SERVER_CHOSEN,
    ("parcel_lockers", "door_opening", ("token_id",)): SERVER_CHOSEN,
    ("parcel_lockers", "door_event", ("id",)): IDEMPOTENT,
    ("bike_share", "vehicle_station_status", ("vehicle_station_id",)): (
        "one row per vehicle station, written by its status reports (a concurrent first one is a 409 stale-report)"
    ),
    ("bike_share", "feed_state", ("system_id",)): "the ingest's own record of a system's feed",
    ("info_kiosk", "point_of_interest", ("id",)): SERVER_CHOSEN,
    ("info_kiosk", "level", ("id",)): SERVER_CHOSEN,
    ("info_kiosk", "place", ("id",)): SERVER_CHOSEN,
    ("info_kiosk", "pathway", ("id",)): SERVER_CHOSEN,
    ("info_kiosk", "exit_destination", ("id",)): SERVER_CHOSEN,
    ("info_kiosk", "station_graph", ("station_id",)): "one graph per station, replaced by its writes",
    ("info_kiosk", "equipment_outage", ("station_id", "place_code")): "PUT /equipment/{code} replaces it",
    ("info_kiosk", "vehicle_availability", ("vehicle_station_id",)): READ_MODEL,
    ("info_kiosk", "locker_availability", ("bank_id",)): READ_MODEL,
    ("info_kiosk", "station_alert", ("alert_id",)): READ_MODEL,
    ("info_kiosk", "source_activity", ("station_id", "source")): READ_MODEL,
    ("info_kiosk", "departure_source", ("id",)): SERVER_CHOSEN,
    ("info_kiosk", "disruption_rule", ("id",)): SERVER_CHOSEN,
    ("info_kiosk", "disruption", ("id",)): SERVER_CHOSEN,
    ("info_kiosk", "disruption", ("station_id", "source_code", "source_ref")): (
        "written only by the ingest, one row per message of a source"
    ),
    ("gateway", "device_client", ("client_id",)): SERVER_CHOSEN + " (pairing)",
    ("gateway", "auth_session", ("id",)): SERVER_CHOSEN,
    ("gateway", "refresh_token", ("token_hash",)): SERVER_CHOSEN,
}


def every_rule() -> set[Rule]:
    return {
        (component, table.name, columns)
        for component, metadata in SCHEMAS.items()
        for table, _, columns in unique_rules(metadata)
    }


def new_key(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


# -- the clients' writes, per entity -----------------------------------------------------------------


@dataclass
class Api:
    gateway: str
    tokens: dict[str, str]

    def call(self, method: str, path: str, body: Any = None, *, who: str = "operator") -> httpx.Response:
        return httpx.request(
            method, f"{self.gateway}{path}", json=body, headers=bearer(self.tokens[who]), timeout=15
        )

    def made(self, method: str, path: str, body: Any, *, who: str = "operator") -> dict[str, Any]:
        response = self.call(method, path, body, who=who)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    def read(self, path: str, *, who: str = "operator") -> Any:
        response = self.call("GET", path, who=who)
        assert response.status_code == 200, response.text
        return response.json()


@dataclass
class Entity:
    """How clients write one kind of resource: its creation body, its path, its rename."""

    create_path: str
    body: Callable[[Api, str], dict[str, Any]]  # a valid creation body whose keys derive from a fresh value
    path_of: Callable[[dict[str, Any]], str]  # the resource's own path, from its creation body
    who: str = "operator"
    rename_method: str = ""
    rename_body: Callable[[dict[str, Any]], dict[str, Any]] = lambda body: body


def playlist_body(api: Api, key: str) -> dict[str, Any]:
    return {"code": key, "name": f"Boucle {key}", "is_default": False, "items": []}


def screen_body(api: Api, key: str) -> dict[str, Any]:
    return {
        "code": key,
        "name": f"Écran {key}",
        "location": "Hall",
        "orientation": "landscape",
        "resolution": "1920x1080",
        "languages": ["fr"],
        "device_client_id": f"player-{key}",
    }


def schedule_body(api: Api, key: str) -> dict[str, Any]:
    playlist = api.made("POST", f"{STATION}/signage/playlists", playlist_body(api, new_key("p")))
    return {"code": key, "name": f"Programme {key}", "playlist_id": playlist["id"]}


def event_body(api: Api, key: str) -> dict[str, Any]:
    return {
        "code": key,
        "kind": "concert",
        "title": {"fr": f"Concert {key}"},
        "starts_at": "2030-06-21T18:00:00+02:00",
        "ends_at": "2030-06-21T23:00:00+02:00",
    }


def layout_body(api: Api, key: str) -> dict[str, Any]:
    return {
        "code": key,
        "name": f"Disposition {key}",
        "columns": ["1fr"],
        "rows": ["1fr", "auto"],
        "areas": ["content", "ticker"],
        "regions": [{"name": "content", "kind": "content"}, {"name": "ticker", "kind": "ticker"}],
    }


def bank_body(api: Api, key: str) -> dict[str, Any]:
    code = key.upper()[:8]
    return {
        "code": code,
        "name": f"Consigne {code}",
        "location": "Hall",
        "level": 0,
        "compartments": [{"label": "A01", "size": "S"}, {"label": "A02", "size": "S"}],
    }


def shipment_body(api: Api, key: str) -> dict[str, Any]:
    return {"bank": api.tokens["bank"], "carrier": "colissimo", "carrier_reference": key, "size": "S"}


def system_body(api: Api, key: str) -> dict[str, Any]:
    return {"id": key, "name": {"fr": f"Réseau {key}"}}


def shared_system(api: Api) -> str:
    if "system" not in api.tokens:
        api.tokens["system"] = api.made(
            "POST", f"{STATION}/mobility/systems", system_body(api, new_key("s")), who="admin"
        )["id"]
    return api.tokens["system"]


def pricing_plan_body(api: Api, key: str) -> dict[str, Any]:
    return {
        "id": key,
        "system_id": shared_system(api),
        "name": {"fr": "Forfait"},
        "description": {"fr": "Forfait à la minute"},
        "price": 1,
    }


def vehicle_type_body(api: Api, key: str) -> dict[str, Any]:
    return {
        "id": key,
        "system_id": shared_system(api),
        "form_factor": "bicycle",
        "propulsion_type": "human",
        "name": {"fr": "Vélo"},
    }


def vehicle_station_body(api: Api, key: str) -> dict[str, Any]:
    return {
        "system_id": shared_system(api),
        "external_id": key,
        "name": f"Station {key}",
        "lat": 48.92,
        "lon": 2.34,
    }


def vehicle_body(api: Api, key: str) -> dict[str, Any]:
    vehicle_type = api.made(
        "POST", f"{STATION}/mobility/vehicle-types", vehicle_type_body(api, new_key("t")), who="admin"
    )
    return {
        "system_id": shared_system(api),
        "external_id": key,
        "vehicle_type_id": vehicle_type["id"],
        "lat": 48.92,
        "lon": 2.34,
        "last_reported": datetime.now(UTC).isoformat(),
    }


def level_body(api: Api, key: str) -> dict[str, Any]:
    return {"code": key, "index": 7, "names": {"fr": f"Niveau {key}"}}


def departure_source_body(api: Api, key: str) -> dict[str, Any]:
    # Switched off: the source is only configured here. Pulled, its state would change between the
    # reads before and after a collision, whatever the collision did.
    return {
        "code": key,
        "name": f"Source {key}",
        "kind": "siri-lite",
        "url": "https://feeds.invalid/stop-monitoring",
        "stops": [{"ref": "STIF:StopPoint:Q:1:", "stop_code": "quai", "stop_name": "Quai", "mode": "metro"}],
        "enabled": False,
    }


def disruption_rule_body(api: Api, key: str) -> dict[str, Any]:
    return {"code": key, "name": f"Règle {key}", "reach": "ticker"}


def place_body(api: Api, key: str) -> dict[str, Any]:
    level = api.made("POST", f"{STATION}/kiosk/levels", level_body(api, new_key("l")))
    return {
        "code": key,
        "kind": "entrance_exit",
        "names": {"fr": f"Sortie {key}"},
        "level_code": level["code"],
        "lat": 48.92,
        "lon": 2.34,
    }


def destination_body(api: Api, key: str) -> dict[str, Any]:
    return {"code": key, "kind": "street", "names": {"fr": f"Rue {key}"}, "lat": 48.918, "lon": 2.346}


DESTINATIONS = f"{STATION}/kiosk/exits/exit-rue-pleyel/destinations"


def pathway_body(api: Api, key: str) -> dict[str, Any]:
    ends = [api.made("POST", f"{STATION}/kiosk/places", place_body(api, new_key("e"))) for _ in range(2)]
    return {
        "code": key,
        "from_code": ends[0]["code"],
        "to_code": ends[1]["code"],
        "mode": "walkway",
        "bidirectional": True,
    }


def account_body(api: Api, key: str) -> dict[str, Any]:
    return {
        "username": key,
        "password": "correct horse battery",
        "role": "courier",
        "carrier": "colissimo",
        "stations": [SAINT_DENIS],
    }


def _without(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda body: {k: v for k, v in body.items() if k not in names}


SIGNAGE_BASE = f"{STATION}/signage"
ENTITIES: dict[str, Entity] = {
    "screen": Entity(
        f"{SIGNAGE_BASE}/screens",
        screen_body,
        lambda b: f"{SIGNAGE_BASE}/screens/{b['code']}",
        rename_method="PUT",
        rename_body=_without("code"),
    ),
    "playlist": Entity(
        f"{SIGNAGE_BASE}/playlists",
        playlist_body,
        lambda b: f"{SIGNAGE_BASE}/playlists/{b['code']}",
        rename_method="PUT",
        rename_body=_without("code"),
    ),
    "schedule": Entity(
        f"{SIGNAGE_BASE}/schedules", schedule_body, lambda b: f"{SIGNAGE_BASE}/schedules/{b['code']}"
    ),
    "event": Entity(f"{SIGNAGE_BASE}/agenda", event_body, lambda b: f"{SIGNAGE_BASE}/agenda/{b['code']}"),
    "layout": Entity(f"{SIGNAGE_BASE}/layouts", layout_body, lambda b: f"{SIGNAGE_BASE}/layouts/{b['code']}"),
    "bank": Entity(f"{STATION}/lockers/banks", bank_body, lambda b: f"{STATION}/lockers/banks"),
    "shipment": Entity(
        f"{STATION}/lockers/shipments",
        shipment_body,
        lambda b: f"{STATION}/lockers/parcels/mine",
        who="traveller",
    ),
    # Shared by every station: written by the network's administrators.
    "system": Entity(
        f"{STATION}/mobility/systems",
        system_body,
        lambda b: f"{STATION}/mobility/systems/{b['id']}",
        who="admin",
    ),
    "pricing_plan": Entity(
        f"{STATION}/mobility/pricing-plans",
        pricing_plan_body,
        lambda b: f"{STATION}/mobility/pricing-plans/{b['id']}",
        who="admin",
    ),
    "vehicle_type": Entity(
        f"{STATION}/mobility/vehicle-types",
        vehicle_type_body,
        lambda b: f"{STATION}/mobility/vehicle-types/{b['id']}",
        who="admin",
    ),
    "vehicle_station": Entity(
        f"{STATION}/mobility/vehicle-stations",
        vehicle_station_body,
        lambda b: f"{STATION}/mobility/vehicle-stations/{b['system_id']}-{b['external_id']}",
    ),
    "vehicle": Entity(
        f"{STATION}/mobility/vehicles",
        vehicle_body,
        lambda b: f"{STATION}/mobility/vehicles/{b['system_id']}-{b['external_id']}",
    ),
    "level": Entity(f"{STATION}/kiosk/levels", level_body, lambda b: f"{STATION}/kiosk/levels/{b['code']}"),
    "place": Entity(f"{STATION}/kiosk/places", place_body, lambda b: f"{STATION}/kiosk/places/{b['code']}"),
    "pathway": Entity(
        f"{STATION}/kiosk/pathways", pathway_body, lambda b: f"{STATION}/kiosk/pathways/{b['code']}"
    ),
    "exit_destination": Entity(DESTINATIONS, destination_body, lambda b: f"{DESTINATIONS}/{b['code']}"),
    "departure_source": Entity(
        f"{STATION}/kiosk/departure-sources",
        departure_source_body,
        lambda b: f"{STATION}/kiosk/departure-sources/{b['code']}",
    ),
    "disruption_rule": Entity(
        f"{STATION}/kiosk/disruption-rules",
        disruption_rule_body,
        lambda b: f"{STATION}/kiosk/disruption-rules/{b['code']}",
    ),
    "account": Entity(
        "/auth/accounts", account_body, lambda b: f"/auth/accounts/{b['username']}", who="admin"
    ),
}


@dataclass(frozen=True)
class Covered:
    """A rule, the entity whose writes can break it, the body fields that make the collision (copied from
    an existing resource), and the fields the 409 must name."""

    entity: str
    key_fields: tuple[str, ...]
    named: tuple[str, ...]
    renames: bool = False  # the entity's update can set these fields on another resource
    ways: tuple[str, ...] = field(default=("create", "twin"))


COLLISIONS: dict[Rule, Covered] = {
    ("signage", "screen", ("station_id", "code")): Covered("screen", ("code",), ("code",)),
    ("signage", "screen", ("device_client_id",)): Covered(
        "screen", ("device_client_id",), ("device_client_id",), renames=True
    ),
    ("signage", "playlist", ("station_id", "name")): Covered("playlist", ("name",), ("name",), renames=True),
    ("signage", "playlist", ("station_id", "code")): Covered("playlist", ("code",), ("code",)),
    ("signage", "playlist", ("station_id",)): Covered(
        "playlist", ("is_default",), ("is_default",), renames=True, ways=("create",)
    ),
    ("signage", "schedule", ("station_id", "code")): Covered("schedule", ("code",), ("code",)),
    ("signage", "agenda_event", ("station_id", "code")): Covered("event", ("code",), ("code",)),
    ("signage", "layout", ("station_id", "code")): Covered("layout", ("code",), ("code",)),
    ("parcel_lockers", "locker_bank", ("station_id", "code")): Covered("bank", ("code",), ("code",)),
    ("parcel_lockers", "parcel", ("station_id", "carrier", "carrier_reference")): Covered(
        "shipment", ("carrier", "carrier_reference"), ("carrier_reference",)
    ),
    ("bike_share", "system", ("id",)): Covered("system", ("id",), ("id",)),
    ("bike_share", "pricing_plan", ("id",)): Covered("pricing_plan", ("id",), ("id",)),
    ("bike_share", "vehicle_type", ("id",)): Covered("vehicle_type", ("id",), ("id",)),
    ("bike_share", "vehicle_station", ("id",)): Covered(
        "vehicle_station", ("system_id", "external_id"), ("external_id",)
    ),
    ("bike_share", "vehicle_station", ("system_id", "external_id")): Covered(
        "vehicle_station", ("system_id", "external_id"), ("external_id",)
    ),
    ("bike_share", "vehicle", ("id",)): Covered("vehicle", ("system_id", "external_id"), ("external_id",)),
    ("info_kiosk", "level", ("station_id", "code")): Covered("level", ("code",), ("code",)),
    ("info_kiosk", "place", ("station_id", "code")): Covered("place", ("code",), ("code",)),
    ("info_kiosk", "pathway", ("station_id", "code")): Covered("pathway", ("code",), ("code",)),
    ("info_kiosk", "exit_destination", ("station_id", "exit_code", "code")): Covered(
        "exit_destination", ("code",), ("code",)
    ),
    ("info_kiosk", "departure_source", ("station_id", "code")): Covered(
        "departure_source", ("code",), ("code",)
    ),
    ("info_kiosk", "disruption_rule", ("station_id", "code")): Covered(
        "disruption_rule", ("code",), ("code",)
    ),
    ("gateway", "account", ("username",)): Covered("account", ("username",), ("username",)),
}


def test_every_uniqueness_rule_is_covered():
    """The table matches the metadata: a new unique constraint, index or client-chosen key needs its
    collisions here (or a reason why no client can collide on it)."""
    rules = every_rule()
    listed = set(COLLISIONS) | set(NO_COLLISIONS)
    assert not set(COLLISIONS) & set(NO_COLLISIONS)
    assert rules - listed == set(), "uniqueness rules without collisions in tests/test_uniqueness.py"
    assert listed - rules == set(), "rules listed here that the models no longer have"
    for covered in COLLISIONS.values():
        assert covered.entity in ENTITIES
        assert not covered.renames or ENTITIES[covered.entity].rename_method


# -- the collisions, through the gateway of a stack of their own -------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def unique_stack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StationStack]:
    with running_stack(tmp_path_factory.mktemp(f"unique-{request.param}"), request.param) as station:
        yield station


@pytest.fixture(scope="module")
def api(unique_stack: StationStack) -> Api:
    tokens = Tokens(unique_stack)
    gateway = unique_stack.gateway_url
    phone = "+3361" + f"{uuid.uuid4().int % 10**7:07d}"
    api = Api(
        gateway,
        {
            "operator": tokens.operator(),
            "admin": tokens.admin(),
            "traveller": phone_sign_in(gateway, phone)["access_token"],
        },
    )
    # Shipments book compartments: a bank of their own keeps the demo's free.
    bank = bank_body(api, new_key("s"))
    bank["compartments"] = [{"label": f"S{n:02d}", "size": "S"} for n in range(1, 9)]
    api.made("POST", f"{STATION}/lockers/banks", bank)
    api.tokens["bank"] = bank["code"]
    return api


def assert_conflict_names(response: httpx.Response, named: tuple[str, ...]) -> None:
    problem = assert_problem(response, 409)
    fields = {error["field"] for error in problem.get("errors", [])}
    assert fields & set(named), f"the 409 names none of {named}: {problem}"


def cases() -> list[Any]:
    out = []
    for rule, covered in sorted(COLLISIONS.items()):
        ways = [*covered.ways, *(["rename"] if covered.renames else [])]
        out += [pytest.param(rule, way, id=f"{rule[0]}.{rule[1]}.{'+'.join(rule[2])}-{way}") for way in ways]
    return out


@pytest.mark.e2e
@pytest.mark.parametrize(("rule", "way"), cases())
def test_a_collision_answers_409_naming_the_field_and_changes_nothing(api: Api, rule: Rule, way: str):
    covered = COLLISIONS[rule]
    entity = ENTITIES[covered.entity]
    if covered.key_fields == ("is_default",):
        # The station's default playlist (the demo has one): another may not be default too.
        listing = api.read(entity.create_path)
        playlists = listing if isinstance(listing, list) else next(iter(listing.values()))
        existing = next(p for p in playlists if p["is_default"])
        first = {"code": existing["code"], "is_default": True}
    else:
        first = entity.body(api, new_key("u"))
        api.made("POST", entity.create_path, first, who=entity.who)
    before_first = api.read(entity.path_of(first), who=entity.who)

    if way == "twin":
        body = entity.body(api, new_key("t"))
        with ThreadPoolExecutor(2) as pool:
            answers = list(
                pool.map(lambda _: api.call("POST", entity.create_path, body, who=entity.who), range(2))
            )
        assert sorted(a.status_code for a in answers) in ([200, 409], [201, 409]), [a.text for a in answers]
        conflict = next(a for a in answers if a.status_code == 409)
        assert_conflict_names(conflict, tuple(covered.named) + tuple(_keys_of(covered.entity)))
        return

    other = entity.body(api, new_key("o"))
    colliding = {**other, **{name: first[name] for name in covered.key_fields}}
    if way == "create":
        answer = api.call("POST", entity.create_path, colliding, who=entity.who)
        assert_conflict_names(answer, covered.named)
        assert api.call("GET", entity.path_of(colliding), who=entity.who).json() == before_first or (
            entity.path_of(colliding) != entity.path_of(first)
            and api.call("GET", entity.path_of(colliding), who=entity.who).status_code == 404
        )
    else:
        api.made("POST", entity.create_path, other, who=entity.who)
        before_other = api.read(entity.path_of(other), who=entity.who)
        answer = api.call(
            entity.rename_method, entity.path_of(other), entity.rename_body(colliding), who=entity.who
        )
        assert_conflict_names(answer, covered.named)
        assert api.read(entity.path_of(other), who=entity.who) == before_other
    assert api.read(entity.path_of(first), who=entity.who) == before_first


def _keys_of(entity: str) -> list[str]:
    """Any field of the entity's uniqueness rules: identical twins collide on the first one checked."""
    return [name for covered in COLLISIONS.values() if covered.entity == entity for name in covered.named]
