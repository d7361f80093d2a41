"""Demo data: two locker banks per catalog station, one driven by the simulated locker controller."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.catalog import demo_device_ids, load_catalog
from kernel.contracts.lockers import CompartmentSize
from kernel.settings import ServiceSettings
from services.parcel_lockers.banks import service
from services.parcel_lockers.schemas import BankCreate, CompartmentIn, ServiceStateIn


@dataclass(frozen=True)
class DemoBank:
    code: str
    name: str
    location: str
    level: int
    sizes: tuple[CompartmentSize, ...]
    has_controller: bool
    out_of_service: dict[str, str]


DEMO_BANKS = (
    DemoBank(
        code="A",
        name="Consigne colis — hall principal",
        location="Hall principal, près des valideurs",
        level=0,
        sizes=("S",) * 4 + ("M",) * 5 + ("L",) * 2 + ("XL",),
        has_controller=True,
        out_of_service={},
    ),
    DemoBank(
        code="B",
        name="Consigne colis — sortie 2",
        location="Couloir de la sortie 2, niveau -1",
        level=-1,
        sizes=("S",) * 4 + ("M",) * 4,
        has_controller=False,
        out_of_service={"B08": "Porte bloquée — intervention prévue"},
    ),
)


def bank_in(demo: DemoBank, station_slug: str) -> BankCreate:
    return BankCreate(
        code=demo.code,
        name=demo.name,
        location=demo.location,
        level=demo.level,
        controller_client_id=demo_device_ids(station_slug)["locker_controller"]
        if demo.has_controller
        else None,
        compartments=[
            CompartmentIn(label=f"{demo.code}{number:02d}", size=size)
            for number, size in enumerate(demo.sizes, start=1)
        ],
    )


async def load_demo(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ServiceSettings, catalog: Path
) -> None:
    async with sessionmaker() as session:
        for station in load_catalog(catalog):
            if station.slug not in settings.stations:
                continue
            for demo in DEMO_BANKS:
                # A bank already there is left as the operators made it since.
                if await service.find_bank_by_code(session=session, station_id=station.slug, code=demo.code):
                    continue
                bank = await service.register_bank(
                    session=session, station_id=station.slug, bank_in=bank_in(demo, station.slug)
                )
                for label, reason in demo.out_of_service.items():
                    await service.set_service_state(
                        session=session,
                        station_id=station.slug,
                        bank_id=bank.id,
                        label=label,
                        state_in=ServiceStateIn(in_service=False, reason=reason),
                    )
