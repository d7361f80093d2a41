"""Content, playlists, screens and times the rules' tests share."""

from datetime import UTC, datetime

from services.signage.playlists.domain import Content, Playlist, Slot
from services.signage.screens.domain import ScreenFacts

WELCOME = Content(
    id="welcome",
    kind="message",
    title="Bienvenue",
    texts={"fr": "Bienvenue", "en": "Welcome", "de": "Willkommen"},
    duration_seconds=12,
)


CLOCK = Content(id="clock", kind="widget", title="Horloge", texts={}, widget="clock", duration_seconds=10)


WORK = Content(
    id="work",
    kind="artwork",
    title="Quai à l'aube",
    texts={},
    artist="Inès Moreau",
    year=2025,
    credit="Collection de la gare",
    media="a" * 64,
    media_type="image/png",
    duration_seconds=8,
)


MAIN_LOOP = Playlist(
    id="main",
    code="main",
    name="Boucle principale",
    is_default=True,
    slots=(
        Slot(position=2, content=CLOCK, transition="slide"),
        Slot(position=1, content=WELCOME, duration_seconds=20),
    ),
)


HALL_ONLY = Playlist(
    id="hall", code="hall", name="Hall", is_default=False, slots=(Slot(position=1, content=CLOCK),)
)


HALL = ScreenFacts(code="hall", zone="hall", tags=frozenset({"expo"}))


QUAI = ScreenFacts(code="quai-1", zone="platform")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)
