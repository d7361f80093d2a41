"""A typed client generated from the station's merged OpenAPI (openapi-python-client) has every operation
and every response: the generator warns about nothing it had to drop (a schema title two services share
used to cost the client `GET .../signage/alerts`'s answer)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from gateway.app import create_app as create_gateway
from gateway.openapi import HTTP_METHODS, merge_openapi
from gateway.settings import GatewaySettings
from services.bike_share.app import create_app as create_bike_share
from services.bike_share.settings import Settings as BikeShareSettings
from services.info_kiosk.app import create_app as create_info_kiosk
from services.info_kiosk.settings import Settings as InfoKioskSettings
from services.parcel_lockers.app import create_app as create_parcel_lockers
from services.parcel_lockers.settings import Settings as ParcelLockersSettings
from services.signage.app import create_app as create_signage
from services.signage.settings import Settings as SignageSettings
from testkit.stack import SAINT_DENIS

STATIONS = [SAINT_DENIS]


def merged_document() -> dict[str, Any]:
    """What the gateway serves at /openapi.json, from the same code, without a stack."""
    services = {
        "bike_share": create_bike_share(BikeShareSettings(stations=STATIONS)).openapi(),
        "info_kiosk": create_info_kiosk(InfoKioskSettings(stations=STATIONS)).openapi(),
        "parcel_lockers": create_parcel_lockers(ParcelLockersSettings(stations=STATIONS)).openapi(),
        "signage": create_signage(SignageSettings(stations=STATIONS)).openapi(),
    }
    return merge_openapi(create_gateway(GatewaySettings()).openapi(), services)


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]


def raw_media_types(document: dict[str, Any]) -> set[str]:
    """Bodies that are bytes (a GTFS zip, a QR code, an image): the generator reads them as a File once
    told they are `application/octet-stream`."""
    found = set()
    for _, _, operation in operations(document):
        bodies = [operation.get("requestBody", {}), *operation.get("responses", {}).values()]
        for body in bodies:
            for media_type in body.get("content", {}):
                if not (media_type == "application/json" or media_type.endswith("+json")):
                    found.add(media_type)
    return found - {"application/octet-stream", "application/x-www-form-urlencoded", "multipart/form-data"}


def test_every_schema_title_in_the_merged_openapi_is_unique():
    schemas = merged_document()["components"]["schemas"]
    titles = [schema["title"] for schema in schemas.values() if "title" in schema]
    assert sorted(t for t in titles if titles.count(t) > 1) == []
    # Both services' alerts are there, each under its own name.
    alerts = {name for name, schema in schemas.items() if name.endswith("AlertPublic")}
    assert len(alerts) == 2, alerts


def test_a_client_generated_from_the_merged_openapi_covers_every_operation(tmp_path: Path):
    document = merged_document()
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    config = {
        "project_name_override": "gare_client",
        "package_name_override": "gare_client",
        # The project's own lint is not the generated code's.
        "post_hooks": [],
        "content_type_overrides": {
            media_type: "application/octet-stream" for media_type in raw_media_types(document)
        },
    }
    (tmp_path / "config.yml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            "openapi.json",
            "--config",
            "config.yml",
            "--output-path",
            "client",
            "--meta",
            "none",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "Warning" not in report and "WARNING" not in report, report
    # One module per operation (an operation under two tags is generated under both).
    endpoints = {
        module.stem: module.read_text()
        for module in (tmp_path / "client" / "api").rglob("*.py")
        if module.name != "__init__.py"
    }
    assert all("def sync_detailed" in code for code in endpoints.values())
    assert len(endpoints) == len(operations(document))
    alerts = next(
        code for stem, code in endpoints.items() if stem.startswith("list_alerts_") and "signage" in stem
    )
    assert "response_200 = PageAlertPublic.from_dict" in alerts
