"""What signage's routes share: path parameters, who may call, and the caller's own screen."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from kernel.auth import Principal, Scope
from kernel.db import one_or_404
from kernel.deps import SessionDep, require_scopes
from kernel.errors import Forbidden
from kernel.pagination import PageRequest, page_request
from kernel.stations import STATION_SLUG_PATTERN
from services.signage.models import Screen
from services.signage.screens.domain import is_player_of

CodePath = Annotated[str, Path(min_length=1, max_length=64, pattern=STATION_SLUG_PATTERN)]
IdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
ShaPath = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]
Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
Viewer = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.PLAY_SIGNAGE))]
# A list's page: `cursor` and `limit` query parameters (kernel/pagination.py).
PageDep = Annotated[PageRequest, Depends(page_request)]
Player = Annotated[Principal, Depends(require_scopes(Scope.PLAY_SIGNAGE))]
UNKNOWN_SCREEN = "`unknown-screen`: the station has no screen with this code."
NOT_ITS_PLAYER = "`forbidden`: the token is not this screen's player."


async def own_screen(session: SessionDep, station_id: str, code: str, player: Principal) -> Screen:
    """The screen, when the caller is its player device."""
    screen = await one_or_404(session, Screen, "unknown-screen", station_id=station_id, code=code)
    if not is_player_of(player, code=code, registered_player=screen.device_client_id):
        raise Forbidden(f"This device is not the player of screen {code!r}.")
    return screen
