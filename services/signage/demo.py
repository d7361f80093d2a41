"""Demo data: a hall screen per catalog station, a main loop (welcome, line 14 access, live widgets),
and a small exhibition of works drawn here by the project (pillow), so no image needs a licence."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.catalog import DEMO_SCREEN_CODE, CatalogStation, demo_device_ids, load_catalog
from kernel.db import one_or_404
from kernel.settings import ServiceSettings
from services.signage.content.service import create_content_item, list_content_items
from services.signage.exhibitions.demo import load_demo_exhibition
from services.signage.media.service import store_media
from services.signage.models import Playlist
from services.signage.playlists.service import (
    create_playlist,
    find_default_playlist,
    list_playlists,
)
from services.signage.schedules.service import create_schedule, list_schedules
from services.signage.schemas import (
    ContentCreate,
    PlaylistCreate,
    PlaylistEntryIn,
    ScheduleCreate,
    ScreenCreate,
    Targets,
)
from services.signage.screens.service import find_screen, register_screen

LINE_14 = "METRO 14"
MAIN_LOOP = "Boucle principale"
EXHIBITION = "Exposition : lignes et lumières"
EXHIBITION_CODE = "expo-lignes"
MAIN_CODE = "boucle-principale"

# (title, artist, year, palette seed): fictional artists of the neighbourhood, works drawn below.
WORKS = [
    ("Quai à l'aube", "Inès Moreau", 2025, 3),
    ("Correspondances", "Karim Benali", 2024, 7),
    ("Tunnelier", "Lucie Fontaine", 2026, 11),
]


def artwork_png(seed: int, size: tuple[int, int] = (960, 540)) -> bytes:
    """A small abstract composition (bands and discs) drawn from a seed: the same seed, the same PNG."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(20, 80) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(9):
        colour = tuple(rng.randrange(60, 255) for _ in range(3))
        y = rng.randrange(0, height)
        draw.rectangle([0, y, width, y + rng.randrange(8, 60)], fill=colour)
    for _ in range(6):
        colour = tuple(rng.randrange(100, 255) for _ in range(3))
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(30, 140)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=colour, width=rng.randrange(4, 14))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def demo_content(station: CatalogStation) -> list[ContentCreate]:
    """The main loop's content; titles name it, so a second run finds what the first created."""
    content = [
        ContentCreate(
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
            ContentCreate(
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
        ContentCreate(kind="widget", title="Horloge", widget="clock", duration_seconds=10),
        ContentCreate(
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
        zone="hall",
        orientation="landscape",
        resolution="1920x1080",
        languages=["fr", "en"],
        device_client_id=demo_device_ids(station.slug)["screen"],
    )


async def load_demo(
    sessionmaker: async_sessionmaker[AsyncSession], settings: ServiceSettings, catalog: Path
) -> None:
    async with sessionmaker() as session:
        stations = load_catalog(catalog)
        for station in stations:
            if station.slug in settings.stations:
                await _load_station(session, station)
                others = [s.slug for s in stations if s.slug != station.slug]
                await load_demo_exhibition(session, station.slug, others, artwork_png)


async def _load_station(session: AsyncSession, station: CatalogStation) -> None:
    existing = {c.title: c for c in await list_content_items(session=session, station_id=station.slug)}
    loop = []
    for content_in in demo_content(station):
        item = existing.get(content_in.title) or await create_content_item(
            session=session, station_id=station.slug, content_in=content_in
        )
        loop.append(PlaylistEntryIn(content_item_id=item.id))
    works = []
    for title, artist, year, seed in WORKS:
        work = existing.get(title)
        if work is None:
            media = await store_media(
                session=session, station_id=station.slug, data=artwork_png(seed), max_bytes=1 << 22
            )
            work = await create_content_item(
                session=session,
                station_id=station.slug,
                content_in=ContentCreate(
                    kind="artwork",
                    title=title,
                    artist=artist,
                    year=year,
                    credit="Œuvre générée par Gare numérique",
                    media=media.sha256,
                    texts={"fr": f"{title}, {artist}", "en": f"{title}, by {artist}"},
                    duration_seconds=10,
                ),
            )
        works.append(PlaylistEntryIn(content_item_id=work.id, transition="fade"))
    # The hall shows the works between its messages and widgets; screens tagged `expo` show only them.
    loop[-2:-2] = works
    playlists = {p.code for p in await list_playlists(session=session, station_id=station.slug)}
    if await find_default_playlist(session=session, station_id=station.slug) is None:
        await create_playlist(
            session=session,
            station_id=station.slug,
            playlist_in=PlaylistCreate(code=MAIN_CODE, name=MAIN_LOOP, is_default=True, items=loop),
        )
    if EXHIBITION_CODE not in playlists:
        await create_playlist(
            session=session,
            station_id=station.slug,
            playlist_in=PlaylistCreate(code=EXHIBITION_CODE, name=EXHIBITION, items=works),
        )
    if not await list_schedules(session=session, station_id=station.slug):
        exhibition = await one_or_404(
            session, Playlist, "unknown-playlist", station_id=station.slug, code=EXHIBITION_CODE
        )
        await create_schedule(
            session=session,
            station_id=station.slug,
            schedule_in=ScheduleCreate(
                code="expo-en-journee",
                name="L'exposition en journée",
                playlist_id=exhibition.id,
                start_time="09:00",
                end_time="21:00",
                targets=Targets(tags=["expo"]),
            ),
        )
    if await find_screen(session=session, station_id=station.slug, code=DEMO_SCREEN_CODE) is None:
        await register_screen(session=session, station_id=station.slug, screen_in=hall_screen(station))
