"""The contract's machinery, in process: documented problems, 405 with `Allow`, strict bodies, and
schema rules that the code and the published JSON Schema agree on."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any

import httpx
import jsonschema
import pytest
from fastapi import Depends, FastAPI
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

from gateway.app import create_app as create_gateway
from gateway.domain import normalize_phone_number
from gateway.openapi import allowed_methods, merge_openapi
from gateway.settings import GatewaySettings
from kernel.errors import install_problem_handlers
from kernel.fields import JSON_INTEGER, Label, LanguageTag, PhoneNumberInput, StrictInput, Timestamp
from kernel.observability import RequestContextMiddleware
from kernel.openapi import declares, problem_responses, refuse_other_methods_on_concrete_paths
from services.bike_share import domain as bike_share_domain
from services.bike_share.app import create_app as create_bike_share
from services.bike_share.schemas import StatusReportIn, VehicleStationCreate
from services.bike_share.settings import Settings as BikeShareSettings
from services.info_kiosk.app import create_app as create_info_kiosk
from services.info_kiosk.schemas import PointOfInterestCreate
from services.info_kiosk.settings import Settings as InfoKioskSettings
from services.parcel_lockers.app import create_app as create_parcel_lockers
from services.parcel_lockers.schemas import ServiceStateIn
from services.parcel_lockers.settings import Settings as ParcelLockersSettings
from services.signage.app import create_app as create_signage
from services.signage.schemas import ScreenCreate
from services.signage.settings import Settings as SignageSettings

STATIONS = ["saint-denis-pleyel"]
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


# -- problems in the OpenAPI document ------------------------------------------------------------


class Thing(BaseModel):
    name: str


_bearer = HTTPBearer(auto_error=False)


@declares({403: "`forbidden`: not yours."})
async def owner(credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> None:
    return None


def small_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service="small")

    @app.get("/stations/{station_id}/things/{thing_id}")
    async def read(station_id: str, thing_id: str, _: Annotated[None, Depends(owner)]) -> Thing:
        return Thing(name=thing_id)

    @app.post("/things", responses=problem_responses({409: "`taken`: a thing has this name."}))
    async def create(thing: Thing) -> Thing:
        return thing

    @app.get("/things")
    async def things() -> list[Thing]:
        return []

    @app.post("/things/import")
    async def import_things(things: list[Thing]) -> list[Thing]:
        return things

    @app.delete("/things/{name}", status_code=204)
    async def delete(name: str) -> None:
        return None

    @app.post("/stations/{station_id}/things/count")
    async def count(station_id: str) -> int:
        return 0

    refuse_other_methods_on_concrete_paths(app)  # as every service does
    return app


def statuses(document: dict[str, Any], path: str, method: str) -> set[str]:
    return set(document["paths"][path][method]["responses"])


def test_each_operation_documents_the_problems_its_route_can_return():
    document = small_app().openapi()
    assert statuses(document, "/things", "post") == {"200", "400", "409", "413", "415", "422"}
    # Path parameters may name nothing (404), a token is read (401), the dependency may forbid (403).
    assert statuses(document, "/stations/{station_id}/things/{thing_id}", "get") == {
        "200",
        "401",
        "403",
        "404",
        "422",
    }
    # Nothing to validate, nothing to find: nothing can go wrong but the server.
    assert statuses(document, "/things", "get") == {"200"}
    not_found = document["paths"]["/stations/{station_id}/things/{thing_id}"]["get"]["responses"]["404"]
    assert "`unknown-station`" in not_found["description"] and "`not-found`" in not_found["description"]
    assert "`taken`" in document["paths"]["/things"]["post"]["responses"]["409"]["description"]


def test_every_error_is_a_problem_and_fastapis_validation_error_is_gone():
    document = small_app().openapi()
    for item in document["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    assert set(response["content"]) == {"application/problem+json"}, (status, response)
                    assert response["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
    assert "HTTPValidationError" not in json.dumps(document)
    assert {"Problem", "FieldError"} <= set(document["components"]["schemas"])


def test_a_route_added_later_is_documented_too():
    app = small_app()
    app.openapi()

    @app.delete("/things/{thing_id}", status_code=204)
    async def remove(thing_id: str) -> None:
        return None

    assert statuses(app.openapi(), "/things/{thing_id}", "delete") == {"204", "404", "422"}


async def call(app: FastAPI, method: str, path: str, **kwargs: Any) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        return await client.request(method, path, **kwargs)


async def test_the_problem_schema_describes_the_problems_sent():
    app = small_app()
    problem_schema = {**app.openapi()["components"]["schemas"]["Problem"]}
    resolver = {"components": app.openapi()["components"]}
    response = await call(app, "POST", "/things", json={"name": 3})
    assert response.status_code == 422
    jsonschema.validate(response.json(), {**problem_schema, **resolver})


async def test_405_names_every_method_of_the_path():
    response = await call(small_app(), "DELETE", "/things")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"  # Starlette alone says "GET"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/method-not-allowed"


async def test_a_concrete_path_allows_its_own_methods_not_those_of_a_template_it_matches():
    app = small_app()
    imports = await call(app, "OPTIONS", "/things/import")
    assert imports.status_code == 405
    assert imports.headers["allow"] == "POST"  # as the OpenAPI document says, not "POST, DELETE"
    assert (await call(app, "OPTIONS", "/things/lamp")).headers["allow"] == "DELETE"
    # The same under a station: `count` is not a thing's id, whatever the station.
    counted = await call(app, "GET", "/stations/x/things/count")
    assert counted.status_code == 405 and counted.headers["allow"] == "POST"
    assert (await call(app, "DELETE", "/stations/x/things/lamp")).headers["allow"] == "GET"


async def test_a_body_that_is_not_json_is_415_and_one_that_is_not_utf8_is_400():
    app = small_app()
    not_json = await call(app, "POST", "/things", content=b"name=x", headers={"content-type": "text/plain"})
    assert not_json.status_code == 415
    assert not_json.json()["type"] == "/problems/unsupported-media-type"
    not_utf8 = await call(
        app, "POST", "/things", content=b'{"name": "\xff"}', headers={"content-type": "application/json"}
    )
    assert not_utf8.status_code == 400
    assert not_utf8.json()["type"] == "/problems/malformed-json"


# -- each service and the gateway answer 405 with the methods of the path -----------------------


APPS = {
    "parcel_lockers": lambda: create_parcel_lockers(ParcelLockersSettings(stations=STATIONS)),
    "signage": lambda: create_signage(SignageSettings(stations=STATIONS)),
    "bike_share": lambda: create_bike_share(BikeShareSettings(stations=STATIONS)),
    "info_kiosk": lambda: create_info_kiosk(InfoKioskSettings(stations=STATIONS)),
    "gateway": lambda: create_gateway(GatewaySettings()),
}


def concrete(template: str) -> str:
    """A path for a template; any segment does, routing is all a 405 needs."""
    values = {"{station_id}": STATIONS[0], "{bank_id}": "0" * 32, "{label}": "A01"}
    for name, value in values.items():
        template = template.replace(name, value)
    return re.sub(r"\{[^}/]+\}", "x", template)


def methods_at(table: dict[str, frozenset[str]], path: str) -> set[str]:
    """The methods of the most concrete templates the path matches (`/devices/claim` before
    `/devices/{client_id}`, `.../alerts/reach` before `.../alerts/{alert_id}`), as OpenAPI matches."""
    patterns = {t: "^" + re.sub(r"\\\{[^}/]+\\\}", "[^/]+", re.escape(t)) + "$" for t in table}
    matching = [t for t, pattern in patterns.items() if re.match(pattern, path)]
    literals = {t: sum(1 for part in t.split("/") if part and not part.startswith("{")) for t in matching}
    most = max(literals.values(), default=0)
    return set().union(*(table[t] for t in matching if literals[t] == most))


@pytest.mark.parametrize("name", sorted(APPS))
async def test_a_method_the_path_does_not_have_is_405_with_its_allow_header(name):
    app = APPS[name]()
    table = allowed_methods(app.openapi())
    for template in table:
        path = concrete(template)
        methods = methods_at(table, path)
        for method in sorted(set(HTTP_METHODS) - methods):
            response = await call(app, method, path)
            assert response.status_code == 405, (method, template, response.text)
            allowed = {m.strip() for m in response.headers["allow"].split(",")}
            # A GET route of Starlette's (not FastAPI's) also answers HEAD.
            assert allowed - {"HEAD"} == methods, (method, template, allowed)


# -- the gateway's merge --------------------------------------------------------------------------


def service_document() -> dict[str, Any]:
    return create_bike_share(BikeShareSettings(stations=STATIONS)).openapi()


def test_the_merge_adds_what_the_gateway_answers_on_every_proxied_operation():
    gateway_document = create_gateway(GatewaySettings()).openapi()
    merged = merge_openapi(gateway_document, {"bike_share": service_document()})
    public_read = merged["paths"]["/api/v1/stations/{station_id}/mobility/vehicle-stations"]["get"]
    write = merged["paths"]["/api/v1/stations/{station_id}/mobility/vehicle-stations"]["post"]
    for operation in (public_read, write):
        assert {"400", "414", "429", "503", "504"} <= set(operation["responses"])
        assert operation["responses"]["429"]["headers"]["Retry-After"]["required"] is True
        assert "Retry-After" in operation["responses"]["503"]["headers"]
    assert {"401", "403"} <= set(write["responses"])
    assert not {"401", "403"} & set(public_read["responses"])  # public stays public
    # The gateway's own operations: refused paths, but no upstream to be down.
    token = merged["paths"]["/auth/token"]["post"]["responses"]
    assert {"400", "414", "429"} <= set(token) and "504" not in token
    assert "`invalid-query`" in merged["paths"]["/healthz"]["get"]["responses"]["400"]["description"]


def test_the_gateway_learns_each_paths_methods_from_the_documents():
    table = allowed_methods(service_document())
    assert table["/api/v1/stations/{station_id}/mobility/vehicle-stations"] == {"GET", "POST"}
    assert table["/api/v1/stations/{station_id}/mobility/vehicle-stations/{vehicle_station_id}/status"] == {
        "PUT"
    }


# -- strict bodies --------------------------------------------------------------------------------


class Counted(StrictInput):
    count: Annotated[int, Field(ge=0, le=10), JSON_INTEGER]
    ratio: float = 0.5
    active: bool = True


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"count": True}, "count"),
        ({"count": "2"}, "count"),
        ({"count": 2.5}, "count"),
        ({"count": 1, "ratio": "0.5"}, "ratio"),
        ({"count": 1, "ratio": False}, "ratio"),
        ({"count": 1, "active": 1}, "active"),
        ({"count": 1, "active": "true"}, "active"),
        ({"count": 1, "colour": "green"}, "colour"),
    ],
)
def test_a_strict_body_takes_no_coercion(body, field):
    with pytest.raises(ValidationError) as raised:
        Counted.model_validate(body)
    assert [error["loc"][0] for error in raised.value.errors()] == [field]


def test_json_numbers_stay_numbers():
    # JSON Schema's integer includes 5.0, and a number field takes an integer.
    assert Counted.model_validate({"count": 5.0, "ratio": 1}) == Counted(count=5, ratio=1.0)
    assert Counted.model_json_schema()["properties"]["count"] == {
        "maximum": 10,
        "minimum": 0,
        "title": "Count",
        "type": "integer",
    }


# -- schema rules: the JSON Schema and the code say the same -----------------------------------------


class Sample(StrictInput):
    name: Label
    language: LanguageTag
    at: Timestamp
    phone: PhoneNumberInput


VALID = {"name": "Hall nord", "language": "fr", "at": "2026-11-25T10:00:00Z", "phone": "+33612345678"}
SAMPLES = [
    ("name", "Ascenseur quai 2"),
    ("name", "  Ascenseur  "),
    ("name", ""),
    ("name", "   "),
    ("name", "\u200b\u200b"),  # zero-width spaces: blank on every screen
    ("name", "\u2800"),  # braille blank
    ("name", "Hall\x00"),
    ("name", "Hall\nnord"),
    ("language", "fr"),
    ("language", "pt-BR"),
    ("language", "zh-Hant-TW"),
    ("language", "de-CH-1996"),
    ("language", "es-419"),
    ("language", "fr-a1"),
    ("language", "en_GB"),
    ("language", "english"),
    ("language", "fr-"),
    ("at", "2026-11-25T10:00:00+01:00"),
    ("at", "2026-11-25T10:00:00.123456Z"),
    ("at", "0485-11-25T10:00:00Z"),
    ("at", "1999-12-31T23:59:59Z"),
    ("at", "2026-11-25T10:00:00"),  # no offset
    ("at", "1764064800"),
    ("at", "yesterday"),
    ("phone", "+33612345678"),
    ("phone", "06 12 34 56 78"),
    ("phone", "(06) 12-34.56.78"),
    ("phone", "+0612345678"),
    ("phone", "call me maybe"),
    ("phone", "0612"),
]


@pytest.mark.parametrize(("field", "value"), SAMPLES)
def test_the_schema_says_what_the_code_accepts(field, value):
    body = VALID | {field: value}
    schema_accepts = jsonschema.Draft202012Validator(
        Sample.model_json_schema(), format_checker=jsonschema.FormatChecker()
    ).is_valid(body)
    try:
        Sample.model_validate(body)
        code_accepts = True
    except ValidationError:
        code_accepts = False
    assert schema_accepts == code_accepts, (field, value, schema_accepts, code_accepts)


@pytest.mark.parametrize(("field", "value"), [s for s in SAMPLES if s[0] == "phone"])
def test_the_phone_number_pattern_is_what_the_gateway_normalises(field, value):
    try:
        Sample.model_validate(VALID | {field: value})
        accepted = True
    except ValidationError:
        accepted = False
    assert accepted == (normalize_phone_number(value) is not None)


def test_the_services_schemas_carry_their_rules():
    report = StatusReportIn.model_json_schema()
    assert report["properties"]["last_reported"]["pattern"].startswith("^20[0-9]{2}-")
    assert report["additionalProperties"] is False
    station = VehicleStationCreate.model_json_schema()["properties"]
    assert "pattern" in station["name"] and station["lat"]["maximum"] == 90
    screen = ScreenCreate.model_json_schema()["properties"]
    assert screen["languages"]["items"]["pattern"].startswith("^[A-Za-z]{2,3}")
    names = PointOfInterestCreate.model_json_schema()["properties"]["names"]
    assert names["additionalProperties"] is False and names["patternProperties"]


@pytest.mark.parametrize(
    ("body", "valid"),
    [
        ({"in_service": True}, True),
        ({"in_service": True, "reason": None}, True),
        ({"in_service": False, "reason": "Porte bloquée"}, True),
        ({"in_service": False}, False),
        ({"in_service": False, "reason": None}, False),
    ],
)
def test_taking_a_compartment_out_of_service_needs_a_reason_in_the_schema(body, valid):
    schema = ServiceStateIn.model_json_schema()
    assert jsonschema.Draft202012Validator(schema).is_valid(body) is valid


def test_a_report_from_before_2000_is_refused_by_the_domain_too():
    report = bike_share_domain.StatusReport(
        num_vehicles_available=0,
        vehicle_types_available=(),
        num_docks_available=None,
        is_installed=True,
        is_renting=True,
        is_returning=True,
        last_reported=datetime(485, 6, 1, tzinfo=UTC),
    )
    problems = bike_share_domain.status_report_problems(
        report, capacity=None, known_vehicle_types=set(), now=datetime(2026, 11, 25, tzinfo=UTC)
    )
    assert [p.field for p in problems] == ["last_reported"]
