"""The demo's exhibition: `./dev up` runs without a hub, so each station keeps one touring exhibition
of its own, as if the hub had published it: its visit here is on and accepted on the hall screen
(its works join its rotation, their QR codes open them in the app), its next visit here is pending
(the console answers it), and the tour goes on to the other demo stations."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.catalog import DEMO_SCREEN_CODE
from kernel.contracts.culture import ExhibitionPublished
from kernel.db import utcnow
from services.signage.exhibitions import read_model
from services.signage.exhibitions.models import Exhibition, ExhibitionVisit
from services.signage.schedules.domain import STATION_TZ

CODE = "territoires-en-mouvement"
# (code, artist code, title fr/en/ar, year, palette seed)
WORKS = [
    ("le-grand-hall", "awa-diallo", ("Le grand hall", "The great hall", "القاعة الكبرى"), 2026, 21),
    ("rives-de-seine", "paul-nguyen", ("Rives de Seine", "Banks of the Seine", "ضفاف السين"), 2025, 5),
    ("nuit-a-pleyel", "awa-diallo", ("Nuit à Pleyel", "Night at Pleyel", "ليلة في بليل"), 2024, 13),
]
ARTISTS = [
    {
        "code": "awa-diallo",
        "name": "Awa Diallo",
        "biography": {
            "fr": "Peintre et graveuse, Awa Diallo travaille à Saint-Denis depuis 2015 : les gares, "
            "les foules et la lumière du matin.",
            "en": "A painter and engraver, Awa Diallo has worked in Saint-Denis since 2015: stations, "
            "crowds and morning light.",
            "ar": "رسامة ونقاشة، تعمل آوا ديالو في سان دوني منذ 2015: المحطات والحشود وضوء الصباح.",
        },
        "links": ["https://example.org/awa-diallo"],
    },
    {
        "code": "paul-nguyen",
        "name": "Paul Nguyen",
        "biography": {
            "fr": "Photographe du fleuve et des berges, de Villeneuve à Gennevilliers.",
            "en": "A photographer of the river and its banks, from Villeneuve to Gennevilliers.",
        },
        "links": [],
    },
]


def demo_exhibition(
    station: str, others: list[str], images: dict[str, bytes], now: datetime
) -> ExhibitionPublished:
    today = datetime.combine(now.astimezone(STATION_TZ).date(), time(0), tzinfo=STATION_TZ).astimezone(UTC)
    tour = [
        {"station": station, "starts_at": today - timedelta(days=2), "ends_at": today + timedelta(days=40)},
        {"station": station, "starts_at": today + timedelta(days=90), "ends_at": today + timedelta(days=120)},
    ]
    for n, other in enumerate(others[:3]):
        tour.append(
            {
                "station": other,
                "starts_at": today + timedelta(days=41 + 16 * n),
                "ends_at": today + timedelta(days=56 + 16 * n),
            }
        )
    works = []
    for code, artist, (fr, en, ar), year, _seed in WORKS:
        works.append(
            {
                "code": code,
                "artist": artist,
                "title": {"fr": fr, "en": en, "ar": ar},
                "year": year,
                "technique": {"fr": "Peinture numérique", "en": "Digital painting", "ar": "رسم رقمي"},
                "description": {
                    "fr": f"« {fr} » rassemble les couleurs d'une journée à la gare, des premières rames "
                    "aux derniers voyageurs.",
                    "en": f"“{en}” gathers the colours of a day at the station, from the first trains "
                    "to the last travellers.",
                    "ar": f"«{ar}» تجمع ألوان يوم في المحطة، من القطارات الأولى إلى آخر المسافرين.",
                },
                "audio_description": {
                    "fr": f"{fr}. Des bandes de couleur horizontales traversent l'image ; des cercles "
                    "lumineux s'y superposent, comme des lampes vues à travers une vitre.",
                    "en": f"{en}. Horizontal bands of colour cross the picture; bright circles lie over "
                    "them, like lamps seen through a window.",
                },
                "media_url": f"https://hub.invalid/media/{hashlib.sha256(images[code]).hexdigest()}",
                "media_sha256": hashlib.sha256(images[code]).hexdigest(),
                "media_type": "image/png",
                "rights": {
                    "licence": "CC BY-NC-ND 4.0",
                    "credit": "Collection Territoires en mouvement — Gare numérique",
                    "shown_from": today - timedelta(days=2),
                    "shown_until": today + timedelta(days=365),
                },
            }
        )
    return ExhibitionPublished.model_validate(
        {
            "code": CODE,
            "title": {
                "fr": "Territoires en mouvement",
                "en": "Territories in motion",
                "ar": "أقاليم في حركة",
            },
            "description": {
                "fr": "Des artistes du Grand Paris regardent leurs gares.",
                "en": "Artists of Greater Paris look at their stations.",
            },
            "artists": ARTISTS,
            "works": works,
            "tour": tour,
            "updated_at": today,
        }
    )


async def load_demo_exhibition(
    session: AsyncSession, station: str, others: list[str], draw: Callable[[int], bytes]
) -> None:
    """Once: the exhibition kept, its visit on now accepted (without telling a hub: there is none)."""
    if await session.get(Exhibition, (station, CODE)) is not None:
        return
    images = {code: draw(seed) for code, _artist, _titles, _year, seed in WORKS}
    published = demo_exhibition(station, others, images, utcnow())
    await read_model.keep_exhibition(
        session=session, station_id=station, published=published, media=images.values()
    )
    current = await session.get(ExhibitionVisit, (station, CODE, published.tour[0].starts_at))
    assert current is not None
    current.answer = "accepted"
    current.answered_at = utcnow()
    # On the hall screen of the demo: screens made later (by people, by tests) show what they are given.
    current.targets = {"screens": [DEMO_SCREEN_CODE], "zones": [], "tags": []}
    await session.commit()
