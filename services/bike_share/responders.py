"""Status reports that docks send over NATS instead of HTTP (request-reply, core NATS).

Subject `gare.{station}.mobility-report.{vehicle_station_id}`, body `{"token": <the device's
JWT>, "report": <the body of PUT .../status>}`. The answer is `{"status": 200, "vehicle_station":
...}` or a problem (RFC 9457 body with its `status`): the same rules, scopes and bindings as the
HTTP route, since a message on the bus proves no more than a request does. Replicas share the
subject (queue group); the kernel subscribes on (re)connect and answers failures as problems.
"""

from __future__ import annotations

import json
from typing import Any

from nats.aio.msg import Msg
from pydantic import ValidationError

from kernel.auth import Scope
from kernel.background import Responder
from kernel.db import one_or_404
from kernel.errors import Forbidden, InvalidInput, Problem
from kernel.runtime import ServiceRuntime
from services.bike_share import domain
from services.bike_share.models import VehicleStation
from services.bike_share.schemas import StatusReportIn, VehicleStationPublic
from services.bike_share.vehicle_stations import service as vehicle_stations

REPORT_TOKEN = "mobility-report"
QUEUE = "bike_share"


def report_subject(station_id: str = "*", vehicle_station_id: str = "*") -> str:
    return f"gare.{station_id}.{REPORT_TOKEN}.{vehicle_station_id}"


def responders(runtime: ServiceRuntime) -> list[Responder]:
    async def handle(message: Msg) -> bytes:
        _, station_id, _, vehicle_station_id = message.subject.split(".")
        answer = await dock_report(runtime, station_id, vehicle_station_id, message.data)
        return json.dumps(answer, default=str).encode()

    return [Responder("bike_share-dock-reports", subject=report_subject(), queue=QUEUE, handle=handle)]


async def dock_report(
    runtime: ServiceRuntime, station_id: str, vehicle_station_id: str, data: bytes
) -> dict[str, Any]:
    """One report: who sends it, what it says, then the HTTP route's use case."""
    if station_id not in runtime.settings.stations:
        raise Problem(f"Station {station_id} is not served here.", status=404, slug="unknown-station")
    try:
        message = json.loads(data)
        token, report = message["token"], message["report"]
        if not isinstance(token, str):
            raise TypeError("token must be a string")
    except (ValueError, KeyError, TypeError) as exc:
        raise Problem(f"The message is not {{token, report}} JSON: {exc}", slug="malformed-message") from exc
    principal = await runtime.verifier.verify(token)
    if not principal.has_any_scope(Scope.OPERATE, Scope.REPORT_MOBILITY):
        raise Forbidden("This token may not report availability.")
    if not principal.may_act_on(station_id):
        raise Forbidden(f"This token is not for {station_id}.")
    try:
        report_in = StatusReportIn.model_validate(report)
    except ValidationError as exc:
        raise InvalidInput(
            "The report has invalid fields; see `errors`.",
            errors=[
                {"in": "body", "field": ".".join(str(p) for p in e["loc"]), "detail": e["msg"]}
                for e in exc.errors()
            ],
        ) from exc
    async with runtime.sessionmaker() as session:
        station = await one_or_404(
            session, VehicleStation, "unknown-vehicle-station", station_id=station_id, id=vehicle_station_id
        )
        if not domain.may_report(principal, system_id=station.system_id, vehicle_station_id=station.id):
            raise Forbidden(f"This device does not report for {station.id!r} at {station_id}.")
        updated = await vehicle_stations.report_status(
            session=session, station_id=station_id, vehicle_station_id=vehicle_station_id, report_in=report_in
        )
        return {
            "status": 200,
            "vehicle_station": VehicleStationPublic.model_validate(updated).model_dump(mode="json"),
        }
