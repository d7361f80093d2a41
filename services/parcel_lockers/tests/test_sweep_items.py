"""The locker sweep handles each parcel and each door alone: a row it cannot handle is recorded
(log, `gare_loop_item_failures_total`) and every other one is still swept."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY
from sqlalchemy import update

from kernel.db import utcnow
from services.parcel_lockers.models import Parcel
from services.parcel_lockers.sweeps.service import SWEEP_LOOP, sweep
from services.parcel_lockers.tests.test_api import bank
from services.parcel_lockers.tests.test_parcels import redis_server, station  # noqa: F401 (fixtures)
from services.parcel_lockers.tools import tools_of
from testkit.service import VILLEJUIF, bearer


def sweep_failures() -> float:
    return REGISTRY.get_sample_value("gare_loop_item_failures_total", {"loop": SWEEP_LOOP}) or 0.0


async def test_a_parcel_the_sweep_cannot_handle_does_not_keep_the_others_from_expiring(station):  # noqa: F811
    first, _ = await station.ready_parcel("CP-P1")
    poisoned, _ = await station.ready_parcel("CP-P2")
    last, _ = await station.ready_parcel("CP-P3")
    # A real bad row: the parcel says it is in a bank of another station, so this station's sweep
    # does not know its bank (the sweep used to stop there, for every parcel of the station).
    elsewhere = await station.http.post(
        f"/api/v1/stations/{VILLEJUIF}/lockers/banks",
        json=bank("V", "S"),
        headers=bearer(station.keys.operator(VILLEJUIF)),
    )
    assert elsewhere.status_code == 201, elsewhere.text
    async with station.service.runtime.sessionmaker() as session:
        await session.execute(
            update(Parcel).where(Parcel.id == poisoned["id"]).values(bank_id=elsewhere.json()["id"])
        )
        await session.commit()
    before = sweep_failures()

    async with station.service.runtime.sessionmaker() as session:
        swept = await sweep(
            session=session,
            tools=tools_of(station.service.app.state.runtime),
            station_id=station.service.runtime.settings.stations[0],
            now=utcnow() + timedelta(days=4),
        )

    assert swept["expired"] == 2
    assert (await station.parcel(first["id"]))["status"] == "expired"
    assert (await station.parcel(last["id"]))["status"] == "expired"
    assert (await station.parcel(poisoned["id"]))["status"] == "ready"
    assert sweep_failures() - before == 1
