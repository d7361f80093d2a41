"""Demo data: a hall screen per catalog station, looping a welcome, line 14 access and live widgets."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.catalog import DEMO_SCREEN_CODE, CatalogStation, demo_device_ids, load_catalog
from services.common.settings import ServiceSettings
from services.signage import service
from services.signage.schemas import ContentItemCreate, PlaylistCreate, PlaylistEntryIn, ScreenCreate

LINE_14 = "METRO 14"
MAIN_LOOP = "Boucle principale"


def demo_content(station: CatalogStation) -> list[ContentItemCreate]:
    """The main loop's content; titles name it, so a second run finds what the first created."""
    content = [
        ContentItemCreate(
            kind="message",
            title="Bienvenue",
            texts={
                "fr": f"Bienvenue à {station.name}",
                "en": f"Welcome to {station.name}",
                "es": f"Bienvenidos a {station.name}",
                "de": f"Willkommen in {station.name}",
            },
            duration_seconds=12,
        )
    ]
    # The message speaks of line 14: only its stations show it.
    if LINE_14 in station.lines:
        content.append(
            ContentItemCreate(
                kind="message",
                title="Ligne 14 accessible",
                texts={
                    "fr": "Ligne 14 : des ascenseurs desservent tous les niveaux de la gare. "
                    "Besoin d'aide ? Adressez-vous à nos agents au comptoir d'information.",
                    "en": "Line 14: lifts serve every level of the station. "
                    "Need help? Ask our staff at the information desk.",
                },
                duration_seconds=15,
            )
        )
    content += [
        ContentItemCreate(kind="widget", title="Horloge", widget="clock", duration_seconds=10),
        ContentItemCreate(
            kind="widget",
            title="Vélos et véhicules partagés",
            widget="vehicle_availability",
            duration_seconds=20,
        ),
    ]
    return content


def hall_screen(station: CatalogStation) -> ScreenCreate:
    return ScreenCreate(
        code=DEMO_SCREEN_CODE,
        name="Écran du hall",
        location="Hall principal",
        orientation="landscape",
        resolution="1920x1080",
        languages=["fr", "en"],
        device_client_id=demo_device_ids(station.slug)["screen"],
    )


async def load_demo(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ServiceSettings, catalog: Path
) -> None:
    async with sessionmaker() as session:
        for station in load_catalog(catalog):
            if station.slug in settings.stations:
                await _load_station(session, station)


async def _load_station(session: AsyncSession, station: CatalogStation) -> None:
    existing = {
        c.title: c for c in await service.list_content_items(session=session, station_id=station.slug)
    }
    loop = []
    for content_in in demo_content(station):
        item = existing.get(content_in.title) or await service.create_content_item(
            session=session, station_id=station.slug, content_in=content_in
        )
        loop.append(PlaylistEntryIn(content_item_id=item.id))
    if await service.find_default_playlist(session=session, station_id=station.slug) is None:
        await service.create_playlist(
            session=session,
            station_id=station.slug,
            playlist_in=PlaylistCreate(name=MAIN_LOOP, is_default=True, items=loop),
        )
    if await service.find_screen(session=session, station_id=station.slug, code=DEMO_SCREEN_CODE) is None:
        await service.register_screen(
            session=session, station_id=station.slug, screen_in=hall_screen(station)
        )
