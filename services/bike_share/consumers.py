"""Status reports that docks send over NATS instead of HTTP (request-reply, core NATS).

Subject `gare.{station}.mobility-report.{vehicle_station_id}`, body `{"token": <the device's
JWT>, "report": <the body of PUT .../status>}`. The answer is `{"status": 200, "vehicle_station":
...}` or a problem (RFC 9457 body with its `status`): the same rules, scopes and bindings as the
HTTP route, since a message on the bus proves no more than a request does.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from nats.aio.msg import Msg
from pydantic import ValidationError

from kernel.auth import Scope
from kernel.errors import Forbidden, InvalidInput, Problem, problem_body
from kernel.runtime import ServiceRuntime
from services.bike_share import domain
from services.bike_share.schemas import StatusReportIn, VehicleStationPublic
from services.bike_share.vehicle_stations import service as vehicle_stations

log = logging.getLogger(__name__)
REPORT_TOKEN = "mobility-report"
QUEUE = "bike_share"


def report_subject(station_id: str = "*", vehicle_station_id: str = "*") -> str:
    return f"gare.{station_id}.{REPORT_TOKEN}.{vehicle_station_id}"


class DockReports:
    """Answers the reports of the stations this process serves; replicas share them (queue group)."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.runtime = runtime
        self._subscribed = False
        self._lock = asyncio.Lock()
        runtime.bus.add_connect_listener(self._on_connect)
        if runtime.bus.connected:  # connected before we listened: subscribe now
            self._task: asyncio.Task[None] | None = asyncio.create_task(self._on_connect())

    async def _on_connect(self) -> None:
        async with self._lock:
            if not self._subscribed:
                await self.runtime.bus.client.subscribe(report_subject(), queue=QUEUE, cb=self._on_message)
                await self.runtime.bus.client.flush()
                self._subscribed = True

    @property
    def listening(self) -> bool:
        return self._subscribed

    async def _on_message(self, message: Msg) -> None:
        parts = message.subject.split(".")
        try:
            answer = await self.handle(parts[1], parts[3], message.data)
        except Problem as exc:
            answer = problem_body(
                status=exc.status, slug=exc.slug, title=exc.title, detail=exc.detail, errors=exc.errors
            )
        except Exception:
            log.exception("a dock report failed")
            answer = problem_body(
                status=500, slug="internal", title="Internal Server Error", detail="retry later"
            )
        if message.reply:
            await message.respond(json.dumps(answer, default=str).encode())

    async def handle(self, station_id: str, vehicle_station_id: str, data: bytes) -> dict[str, Any]:
        if station_id not in self.runtime.settings.stations:
            raise Problem(f"Station {station_id} is not served here.", status=404, slug="unknown-station")
        try:
            message = json.loads(data)
            token, report = message["token"], message["report"]
            if not isinstance(token, str):
                raise TypeError("token must be a string")
        except (ValueError, KeyError, TypeError) as exc:
            raise Problem(
                f"The message is not {{token, report}} JSON: {exc}", slug="malformed-message"
            ) from exc
        principal = await self.runtime.verifier.verify(token)
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
        async with self.runtime.sessionmaker() as session:
            station = await vehicle_stations.get_or_raise(
                session=session, station_id=station_id, vehicle_station_id=vehicle_station_id
            )
            if not domain.may_report(principal, system_id=station.system_id, vehicle_station_id=station.id):
                raise Forbidden(f"This device does not report for {station.id!r} at {station_id}.")
            updated = await vehicle_stations.report_status(
                session=session,
                station_id=station_id,
                vehicle_station_id=vehicle_station_id,
                report_in=report_in,
            )
            return {
                "status": 200,
                "vehicle_station": VehicleStationPublic.model_validate(updated).model_dump(mode="json"),
            }
