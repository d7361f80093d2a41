"""FastAPI dependencies every service uses: session, station, caller."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal, require_station
from kernel.errors import Forbidden, NotFound, Unauthorized
from kernel.openapi import FORBIDDEN, WRITE_CONFLICT, declares, declares_on_writes, token_optional
from kernel.runtime import ServiceRuntime
from kernel.stations import StationSlugPath

_bearer = HTTPBearer(auto_error=False, description="Access token from the gateway's POST /auth/token")


async def get_runtime(request: Request) -> ServiceRuntime:
    # async: FastAPI would run a plain function in a worker thread, for every request.
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[ServiceRuntime, Depends(get_runtime)]


@declares_on_writes({409: WRITE_CONFLICT})
async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def valid_station(
    runtime: RuntimeDep,
    station_id: StationSlugPath,
) -> str:
    if station_id not in runtime.settings.stations:
        raise NotFound(f"Station {station_id!r} is not served here.", slug="unknown-station")
    return station_id


StationId = Annotated[str, Depends(valid_station)]


async def optional_principal(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    if credentials is None:
        return None
    return await runtime.verifier.verify(credentials.credentials)


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


@token_optional
async def public_reader(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller of a public read that shows more to some: an expired or foreign token reads as
    the public does, never as a 401 (a token never narrows what anyone may read without one)."""
    try:
        return await optional_principal(runtime, credentials)
    except Unauthorized:
        return None


PublicReader = Annotated[Principal | None, Depends(public_reader)]


def require_scopes(*scopes: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency giving the caller when their token holds at least one of `scopes` and, on
    station paths, covers that station. What a device is bound to is the route's to check
    (`Principal.is_device_bound_to`): only the route knows which screen, bank or system it touches."""
    if not scopes:
        raise ValueError("require_scopes needs at least one scope")

    @declares({403: FORBIDDEN})
    async def dependency(request: Request, principal: OptionalPrincipal) -> Principal:
        if principal is None:
            raise Unauthorized("This operation needs a bearer token.")
        if not principal.has_any_scope(*scopes):
            raise Forbidden(f"This token lacks the scope for this operation; one of: {', '.join(scopes)}.")
        station_id = request.path_params.get("station_id")
        if station_id is not None:
            require_station(principal, station_id)
        return principal

    return dependency
