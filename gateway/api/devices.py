"""A station's devices: claim or deny a pairing code, list, read, rename and unpair device clients.
`devices` does the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from gateway import devices, domain
from gateway.api.common import (
    IDENTIFIER,
    NOT_ITS_OPERATOR,
    STORE_DOWN,
    UNKNOWN_DEVICE,
    CallerDep,
    ClientIdPath,
    GatewayDep,
    throttle,
)
from gateway.grants import needs_redis
from gateway.models import DeviceClient
from gateway.schemas import (
    DeviceClaim,
    DeviceDenial,
    DevicePublic,
    DeviceUpdate,
)
from kernel.openapi import RATE_LIMITED, declares, problem_responses
from kernel.pagination import Page, PageRequest, page_request
from kernel.stations import StationSlug

router = APIRouter(prefix="/auth/devices", tags=["devices"])

# -- a station's devices ------------------------------------------------------------------------


def device_public(device: DeviceClient) -> DevicePublic:
    return DevicePublic(
        client_id=device.client_id,
        station=device.station_id,
        kind=device.kind,
        binding=device.binding,
        label=device.label,
        credential="secret" if device.secret_hash else "paired",
        paired_by=device.paired_by,
        status="unpaired" if device.disabled else "active",
        created_at=device.created_at,
        unpaired_at=device.disabled_at,
    )


@declares({429: RATE_LIMITED})
async def limit_code_guesses(request: Request, gateway: GatewayDep, caller: CallerDep) -> None:
    """Claiming is guessing to someone who has no code: per operator, as slow as sign-in attempts."""
    await throttle(gateway, request.url.path, gateway.settings.rate_limit_auth, f"sub:{caller.subject}")


@router.post(
    "/claim",
    status_code=201,
    summary="Pair the device showing this code with a screen, kiosk or locker bank of the station",
    dependencies=[Depends(limit_code_guesses)],
    responses={
        **problem_responses({503: STORE_DOWN}),
        403: {"description": "Not an operator of that station"},
        404: {"description": "No device is waiting with this code (mistyped, expired or used)"},
        409: {"description": "Code already claimed, or the screen/bank already has a device"},
    },
)
async def claim_device(
    claim_in: DeviceClaim, response: Response, gateway: GatewayDep, caller: CallerDep
) -> DevicePublic:
    async with needs_redis("Device pairing"), gateway.sessionmaker() as db:
        device = await devices.claim(
            db,
            gateway.pairing,
            principal=caller,
            claim_in=claim_in,
            served_stations=gateway.settings.stations,
        )
    response.headers["Location"] = f"/auth/devices/{device.client_id}"
    return device_public(device)


@router.post(
    "/deny",
    status_code=204,
    summary="Refuse the code a device shows: its next poll gets `access_denied`",
    dependencies=[Depends(limit_code_guesses)],
    responses=problem_responses(
        {
            403: NOT_ITS_OPERATOR,
            404: "`pairing-code-unknown`: no device is waiting with this code.",
            409: "`pairing-code-used`: the code was already claimed or refused.",
            503: STORE_DOWN,
        }
    ),
)
async def deny_device(denial: DeviceDenial, gateway: GatewayDep, caller: CallerDep) -> Response:
    async with needs_redis("Device pairing"):
        await devices.deny(
            gateway.pairing, principal=caller, user_code=denial.user_code, station_id=denial.station
        )
    return Response(status_code=204)


@router.get(
    "",
    summary="The station's devices, in client id order",
    responses=problem_responses({403: NOT_ITS_OPERATOR}),
)
async def list_devices(
    gateway: GatewayDep,
    caller: CallerDep,
    station: Annotated[StationSlug, Query()],
    kind: Annotated[domain.DeviceKind | None, Query()] = None,
    binding: Annotated[str | None, Query(max_length=64, pattern=IDENTIFIER)] = None,
    include_unpaired: Annotated[bool, Query()] = False,
    page: PageRequest = Depends(page_request),
) -> Page[DevicePublic]:
    async with gateway.sessionmaker() as db:
        found, next_cursor = await devices.list_page(
            db,
            principal=caller,
            station_id=station,
            kind=kind,
            binding=binding,
            include_unpaired=include_unpaired,
            page=page,
        )
    return Page(items=[device_public(d) for d in found], next_cursor=next_cursor)


@router.get(
    "/{client_id}",
    summary="One device",
    responses=problem_responses({403: NOT_ITS_OPERATOR, 404: UNKNOWN_DEVICE}),
)
async def get_device(client_id: ClientIdPath, gateway: GatewayDep, caller: CallerDep) -> DevicePublic:
    async with gateway.sessionmaker() as db:
        return device_public(await devices.get(db, principal=caller, client_id=client_id))


@router.patch(
    "/{client_id}",
    summary="Rename or rebind a device (its next refresh carries the binding)",
    responses=problem_responses(
        {
            403: NOT_ITS_OPERATOR,
            404: UNKNOWN_DEVICE,
            409: [
                "`device-binding-taken`: another active device serves that screen or bank.",
                "`device-unpaired`: the device is unpaired; pair it again instead.",
            ],
        }
    ),
)
async def update_device(
    client_id: ClientIdPath, changes: DeviceUpdate, gateway: GatewayDep, caller: CallerDep
) -> DevicePublic:
    async with gateway.sessionmaker() as db:
        return device_public(await devices.update(db, principal=caller, client_id=client_id, changes=changes))


@router.delete(
    "/{client_id}",
    status_code=204,
    summary="Unpair a device: disable it and revoke its refresh tokens (its access token ends at expiry)",
    responses=problem_responses({403: NOT_ITS_OPERATOR, 404: UNKNOWN_DEVICE}),
)
async def unpair_device(client_id: ClientIdPath, gateway: GatewayDep, caller: CallerDep) -> Response:
    async with gateway.sessionmaker() as db:
        await devices.unpair(db, principal=caller, client_id=client_id)
    return Response(status_code=204)
