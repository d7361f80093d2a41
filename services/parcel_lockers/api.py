"""parcel_lockers' routes under /api/v1/stations/{station_id}/lockers: thin, the rules live elsewhere."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from sqlalchemy import select

from kernel.attempts import AttemptCounter
from kernel.auth import Principal, Scope
from kernel.contracts.unlock_token import UnlockClaims
from kernel.deps import RuntimeDep, SessionDep, StationId, require_scopes
from kernel.errors import Conflict, Forbidden, NotFound, Problem
from kernel.hot_reads import NOT_MODIFIED, HotRead, Rendered
from kernel.notifier import build_notifier, masked_number
from kernel.openapi import problem_responses
from kernel.qr import qr_svg
from kernel.registry import PARCEL_LOCKERS
from kernel.stations import STATION_SLUG_PATTERN
from services.parcel_lockers import domain, flows, service
from services.parcel_lockers.models import Compartment, LockerBank, Parcel
from services.parcel_lockers.schemas import (
    BANK_CODE_PATTERN,
    LABEL_PATTERN,
    AvailabilityBoard,
    BankAvailability,
    BankCreate,
    BankList,
    BankPublic,
    BankUpdate,
    BulkDepositIn,
    BulkDepositResult,
    CompartmentPublic,
    DepositIn,
    DepositPublic,
    DoorEventsIn,
    DoorEventsResult,
    KeypadIn,
    KeypadOpen,
    OpenIn,
    OpeningList,
    OpeningPublic,
    OpenPublic,
    ParcelList,
    ParcelPublic,
    PresenceCode,
    ServiceStateIn,
    ShipmentIn,
    ShipmentPublic,
    StatusChangePublic,
    SweepResult,
    UnlockTokenPublic,
)
from services.parcel_lockers.settings import Settings
from services.parcel_lockers.unlock import UnlockSigner, load_or_create_key, qr_png

router = APIRouter(prefix=PARCEL_LOCKERS.path_prefix, tags=["lockers"])
BankIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The bank's id (32 hex digits)")]
BankCodePath = Annotated[str, Path(pattern=BANK_CODE_PATTERN, description="The bank's code, e.g. A")]
LabelPath = Annotated[str, Path(pattern=LABEL_PATTERN, description="The compartment's label, e.g. A01")]
Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
Reader = Annotated[
    Principal, Depends(require_scopes(Scope.OPERATE, Scope.READ_LOCKERS, Scope.CONTROL_LOCKERS))
]
# Free compartments change with every deposit and pickup: reuse an answer for a few seconds at most.
AVAILABILITY_CACHE_CONTROL = "public, max-age=5"

AVAILABILITY = HotRead(
    name="lockers-availability",
    path=f"{PARCEL_LOCKERS.path_prefix}/availability",
    params={"station_id": STATION_SLUG_PATTERN},
    tags=lambda request: [service.BANKS],
    cache_control=AVAILABILITY_CACHE_CONTROL,
)
BANK_AVAILABILITY = HotRead(
    name="bank-availability",
    path=f"{PARCEL_LOCKERS.path_prefix}/availability/{{code}}",
    params={"station_id": STATION_SLUG_PATTERN, "code": BANK_CODE_PATTERN},
    tags=lambda request: [service.bank_tag(request.params["code"])],
    cache_control=AVAILABILITY_CACHE_CONTROL,
)
HOT_READS = (AVAILABILITY, BANK_AVAILABILITY)


@router.get(
    "/availability",
    response_model=AvailabilityBoard,
    responses=NOT_MODIFIED,
    summary="Free compartments by size in each bank (public: no parcel or compartment detail)",
)
async def availability(
    station_id: StationId, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    async def render() -> Rendered:
        banks = await service.list_banks(session=session, station_id=station_id)
        return Rendered.of(
            AvailabilityBoard(
                station_id=station_id, banks=[BankAvailability.model_validate(b) for b in banks]
            )
        )

    entry = await runtime.hot.entry_for(AVAILABILITY, request, render)
    return entry.response(request)


@router.get(
    "/availability/{code}",
    response_model=BankAvailability,
    responses=NOT_MODIFIED,
    summary="Free compartments by size in one bank, by its code (public)",
)
async def bank_availability(
    station_id: StationId, code: BankCodePath, request: Request, session: SessionDep, runtime: RuntimeDep
) -> Response:
    async def render() -> Rendered:
        bank = await service.get_bank_by_code_or_raise(session=session, station_id=station_id, code=code)
        return Rendered.of(BankAvailability.model_validate(bank))

    entry = await runtime.hot.entry_for(BANK_AVAILABILITY, request, render)
    return entry.response(request)


@router.get("/banks", summary="The station's locker banks, with their compartments and availability")
async def list_banks(station_id: StationId, session: SessionDep, caller: Reader) -> BankList:
    banks = await service.list_banks(session=session, station_id=station_id)
    return BankList(
        station_id=station_id,
        banks=[
            BankPublic.model_validate(b)
            for b in banks
            if domain.may_see_bank(caller, code=b.code, controller_client_id=b.controller_client_id)
        ],
    )


@router.get("/banks/{bank_id}", summary="One locker bank with its compartments and availability")
async def get_bank(
    station_id: StationId, bank_id: BankIdPath, session: SessionDep, caller: Reader
) -> BankPublic:
    bank = await service.get_bank_or_raise(session=session, station_id=station_id, bank_id=bank_id)
    if not domain.may_see_bank(caller, code=bank.code, controller_client_id=bank.controller_client_id):
        raise Forbidden(f"This controller does not drive bank {bank.code!r}.")
    return BankPublic.model_validate(bank)


@router.post(
    "/banks",
    status_code=status.HTTP_201_CREATED,
    summary="Register a locker bank and its compartments; publishes bank.registered",
    responses=problem_responses({409: "`duplicate-bank-code`: the station has a bank with this code."}),
)
async def register_bank(
    station_id: StationId, bank_in: BankCreate, session: SessionDep, _: Operator
) -> BankPublic:
    bank = await service.register_bank(session=session, station_id=station_id, bank_in=bank_in)
    return BankPublic.model_validate(bank)


@router.put(
    "/banks/{bank_id}/compartments/{label}/service-state",
    summary="Take a compartment out of service or return it; publishes compartment.state_changed",
    responses=problem_responses(
        {
            409: [
                "`compartment-busy`: a parcel is in or reserved for the compartment.",
                "`compartment-changed`: its state changed meanwhile; read it again.",
            ]
        }
    ),
)
async def set_service_state(
    station_id: StationId,
    bank_id: BankIdPath,
    label: LabelPath,
    state_in: ServiceStateIn,
    session: SessionDep,
    _: Operator,
) -> CompartmentPublic:
    compartment = await service.set_service_state(
        session=session, station_id=station_id, bank_id=bank_id, label=label, state_in=state_in
    )
    return CompartmentPublic.model_validate(compartment)


# -- parcels --------------------------------------------------------------------------------------

ParcelIdPath = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$", description="The parcel's id (32 hex digits)")]
Courier = Annotated[Principal, Depends(require_scopes(Scope.DEPOSIT_PARCELS))]
Staff = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.READ_LOCKERS))]
Traveller = Annotated[Principal, Depends(require_scopes(Scope.COLLECT_PARCELS, Scope.SEND_PARCELS))]
Sender = Annotated[Principal, Depends(require_scopes(Scope.SEND_PARCELS))]
Controller = Annotated[Principal, Depends(require_scopes(Scope.CONTROL_LOCKERS))]
ControllerOrOperator = Annotated[Principal, Depends(require_scopes(Scope.CONTROL_LOCKERS, Scope.OPERATE))]
Anyone = Annotated[
    Principal,
    Depends(
        require_scopes(
            Scope.OPERATE,
            Scope.DEPOSIT_PARCELS,
            Scope.COLLECT_PARCELS,
            Scope.SEND_PARCELS,
            Scope.READ_LOCKERS,
        )
    ),
]
PARCEL_STATUS = "`parcel-status`: the parcel's status does not allow this now."
UNKNOWN_PARCEL = "`unknown-parcel`: no such parcel here (or not yours)."
DOOR_PROBLEMS = {
    409: [
        PARCEL_STATUS,
        "`door-busy`: its door is being opened by someone else.",
        "`no-controller`: the bank has no controller.",
    ],
    502: "`door-jammed`: the controller says the door did not open; the compartment is out of service.",
    504: "`controller-timeout`: the controller did not answer; nothing opened, try again.",
}


def tools_of(app: Any) -> flows.Tools:
    """Built once per process: the signing key, the notifier."""
    tools: flows.Tools | None = getattr(app.state, "lockers_tools", None)
    if tools is None:
        runtime = app.state.runtime
        settings = runtime.settings
        assert isinstance(settings, Settings)
        problem = settings.serving_problem()
        if problem:
            raise RuntimeError(problem)
        key = load_or_create_key(settings.unlock_key_file, create=settings.environment != "production")
        tools = flows.Tools(
            settings=settings,
            bus=runtime.bus,
            signer=UnlockSigner(key, ttl_seconds=settings.unlock_token_seconds),
            redis=runtime.redis,
            notifier=build_notifier(settings.notifier, redis=runtime.redis)
            if runtime.redis is not None
            else None,
            attempts=AttemptCounter(runtime.redis, prefix="lockers") if runtime.redis is not None else None,
        )
        app.state.lockers_tools = tools
    return tools


async def get_tools(request: Request) -> flows.Tools:
    return tools_of(request.app)


ToolsDep = Annotated[flows.Tools, Depends(get_tools)]


async def present(session: SessionDep, parcel: Parcel, caller: Principal) -> ParcelPublic:
    """A parcel as `caller` may read it: the recipient's number whole for operators only."""
    bank_code = await session.scalar(select(LockerBank.code).where(LockerBank.id == parcel.bank_id))
    compartment = await session.get(Compartment, parcel.compartment_id) if parcel.compartment_id else None
    return ParcelPublic(
        id=parcel.id,
        direction=parcel.direction,
        carrier=parcel.carrier,
        carrier_reference=parcel.carrier_reference,
        size=parcel.size,
        status=parcel.status,
        bank=str(bank_code),
        compartment=compartment.label if compartment else None,
        recipient_phone=parcel.recipient_phone
        if parcel.recipient_phone is None or domain.may_read_phone_numbers(caller)
        else masked_number(parcel.recipient_phone),
        expires_at=parcel.expires_at,
        door_open=parcel.active_opening_id is not None,
        history=[StatusChangePublic.model_validate(h) for h in parcel.history],
    )


def _controller_of(caller: Principal, bank: LockerBank) -> None:
    if not caller.is_device_bound_to("locker_controller", bank.code) and not (
        caller.device_kind == "locker_controller" and caller.client_id == bank.controller_client_id
    ):
        raise Forbidden(f"This controller does not drive bank {bank.code!r}.")


@router.get("/unlock-keys", summary="The public key controllers verify QR unlock tokens with (JWKS)")
async def unlock_keys(station_id: StationId, tools: ToolsDep, _: Reader) -> dict[str, Any]:
    return {"keys": [tools.signer.jwk]}


@router.post(
    "/deposits",
    status_code=status.HTTP_201_CREATED,
    summary="Deposit a parcel: the smallest free compartment that fits opens (idempotent on the carrier reference)",
    responses=problem_responses(
        {
            409: [
                "`sizes-full`: every fitting compartment is taken; `full_sizes` names them.",
                "`duplicate-reference`: the reference names another parcel.",
                "`no-controller`: the bank has no controller.",
            ],
            403: "`other-carrier`: a courier deposits its own carrier's parcels only.",
            422: "`validation-error`: no compartment of the bank is large enough (`size`/`dimensions`).",
            502: DOOR_PROBLEMS[502],
            504: DOOR_PROBLEMS[504],
        }
    ),
)
async def deposit(
    station_id: StationId,
    deposit_in: DepositIn,
    response: Response,
    session: SessionDep,
    tools: ToolsDep,
    courier: Courier,
) -> DepositPublic:
    parcel, created = await flows.deposit(
        session=session, tools=tools, station_id=station_id, deposit_in=deposit_in, courier=courier
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return DepositPublic(parcel=await present(session, parcel, courier), door="open")


@router.post(
    "/deposits/bulk",
    summary="Deposit a courier's round: each parcel in turn, each result (or problem) in order",
)
async def bulk_deposit(
    station_id: StationId, round_in: BulkDepositIn, session: SessionDep, tools: ToolsDep, courier: Courier
) -> BulkDepositResult:
    results: list[dict[str, Any]] = []
    for deposit_in in round_in.parcels:
        try:
            parcel, created = await flows.deposit(
                session=session, tools=tools, station_id=station_id, deposit_in=deposit_in, courier=courier
            )
        except Problem as problem:
            await session.rollback()
            results.append(
                {
                    "carrier_reference": deposit_in.carrier_reference,
                    "status": problem.status,
                    "problem": problem.slug,
                    "detail": problem.detail,
                }
            )
            continue
        results.append(
            {
                "carrier_reference": deposit_in.carrier_reference,
                "status": 201 if created else 200,
                "parcel": (await present(session, parcel, courier)).model_dump(mode="json"),
            }
        )
    return BulkDepositResult(results=results)


@router.get("/parcels", summary="The station's parcels for operators and couriers, filtered, newest first")
async def list_parcels(
    station_id: StationId,
    session: SessionDep,
    caller: Staff,
    status_filter: Annotated[domain.ParcelStatus | None, Query(alias="status")] = None,
    bank: Annotated[str | None, Query(pattern=BANK_CODE_PATTERN)] = None,
    q: Annotated[
        str | None,
        Query(
            pattern=r"^[A-Za-z0-9._-]{1,64}$",
            description="A parcel's id, or a carrier reference or its beginning (case as given).",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,9}$")] = None,
) -> ParcelList:
    offset = int(cursor or 0)
    parcels = await service.list_parcels(
        session=session,
        station_id=station_id,
        # Couriers list their own carrier's parcels only (a courier without a carrier: none).
        carrier=None if caller.has_any_scope(Scope.OPERATE) else domain.courier_carrier(caller) or "",
        status=status_filter,
        bank_code=bank,
        search=q,
        offset=offset,
        limit=limit + 1,
    )
    items = [await present(session, p, caller) for p in parcels[:limit]]
    return ParcelList(items=items, next_cursor=str(offset + limit) if len(parcels) > limit else None)


@router.get("/parcels/mine", summary="The signed-in traveller's parcels at this station")
async def my_parcels(station_id: StationId, session: SessionDep, caller: Traveller) -> ParcelList:
    phone = caller.claims.get("phone_number")
    parcels = await service.parcels_of(
        session=session,
        station_id=station_id,
        phone=phone if isinstance(phone, str) else None,
        subject=caller.subject,
    )
    return ParcelList(items=[await present(session, p, caller) for p in parcels])


@router.get(
    "/parcels/{parcel_id}",
    summary="One parcel with its history (its recipient, couriers, operators)",
    responses=problem_responses({404: UNKNOWN_PARCEL}),
)
async def get_parcel(
    station_id: StationId, parcel_id: ParcelIdPath, session: SessionDep, caller: Anyone
) -> ParcelPublic:
    parcel = await flows.visible_parcel_or_raise(
        session=session, station_id=station_id, parcel_id=parcel_id, caller=caller
    )
    return await present(session, parcel, caller)


@router.post(
    "/parcels/{parcel_id}/open",
    summary="Open the parcel's door: the recipient collects or drops off, a courier takes it back",
    responses=problem_responses(
        {
            404: UNKNOWN_PARCEL,
            403: "`presence-required` or `presence-code`: the recipient must send the code the bank's "
            "screen shows now (the previous one is still accepted).",
            429: "`presence-locked`: five wrong screen codes for this parcel; retry after `Retry-After`.",
            **DOOR_PROBLEMS,
        }
    ),
)
async def open_parcel(
    station_id: StationId,
    parcel_id: ParcelIdPath,
    session: SessionDep,
    tools: ToolsDep,
    caller: Anyone,
    open_in: OpenIn | None = None,
) -> OpenPublic:
    parcel, _, label = await flows.open_parcel(
        session=session,
        tools=tools,
        station_id=station_id,
        parcel_id=parcel_id,
        caller=caller,
        presence_code=open_in.presence_code if open_in else None,
    )
    return OpenPublic(parcel=await present(session, parcel, caller), door="open", compartment=label)


@router.post(
    "/parcels/{parcel_id}/door-closed",
    summary="Say the door is closed (who opened it, or an operator), for controllers without a door sensor",
    responses=problem_responses({404: UNKNOWN_PARCEL, 409: "`door-not-open`: no door is open for it."}),
)
async def door_closed(
    station_id: StationId, parcel_id: ParcelIdPath, session: SessionDep, tools: ToolsDep, caller: Anyone
) -> ParcelPublic:
    parcel = await flows.door_closed_by_operator_or_courier(
        session=session, tools=tools, station_id=station_id, parcel_id=parcel_id, caller=caller
    )
    return await present(session, parcel, caller)


async def _unlock_token(
    session: SessionDep, tools: flows.Tools, station_id: str, parcel_id: str, caller: Principal
) -> tuple[str, UnlockClaims]:
    parcel = await flows.get_parcel_or_raise(session=session, station_id=station_id, parcel_id=parcel_id)
    if not flows.is_recipient(caller, parcel):
        raise NotFound(f"No parcel {parcel_id!r} at {station_id}.", slug="unknown-parcel")
    if parcel.direction != "inbound" or parcel.status != "ready" or parcel.compartment_id is None:
        raise Conflict(f"The parcel is {parcel.status}: there is nothing to collect.", slug="parcel-status")
    bank = await session.get(LockerBank, parcel.bank_id)
    assert bank is not None
    compartment = next(c for c in bank.compartments if c.id == parcel.compartment_id)
    return tools.signer.issue(
        parcel_id=parcel.id, compartment=compartment.label, bank_code=bank.code, station_id=station_id
    )


@router.post(
    "/parcels/{parcel_id}/unlock-tokens",
    status_code=status.HTTP_201_CREATED,
    summary="A signed, single-use, short-lived unlock token and its QR code, for the bank's reader",
    responses=problem_responses({404: UNKNOWN_PARCEL, 409: PARCEL_STATUS}),
)
async def unlock_token(
    station_id: StationId, parcel_id: ParcelIdPath, session: SessionDep, tools: ToolsDep, caller: Traveller
) -> UnlockTokenPublic:
    token, claims = await _unlock_token(session, tools, station_id, parcel_id, caller)
    return UnlockTokenPublic(
        token=token,
        token_id=claims.jti,
        expires_at=datetime.fromtimestamp(claims.expires_at, UTC),
        qr_svg=qr_svg(token),
    )


@router.get(
    "/parcels/{parcel_id}/qr.png",
    summary="A fresh unlock token as a PNG QR code",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}},
        **problem_responses({404: UNKNOWN_PARCEL, 409: PARCEL_STATUS}),
    },
)
async def unlock_qr_png(
    station_id: StationId, parcel_id: ParcelIdPath, session: SessionDep, tools: ToolsDep, caller: Traveller
) -> Response:
    token, _ = await _unlock_token(session, tools, station_id, parcel_id, caller)
    return Response(qr_png(token), media_type="image/png", headers={"Cache-Control": "no-store"})


@router.post(
    "/shipments",
    status_code=status.HTTP_201_CREATED,
    summary="Book a compartment to send a parcel; the drop-off code is shown once",
    responses=problem_responses(
        {409: ["`sizes-full`: every fitting compartment is taken.", "`duplicate-reference`: already booked."]}
    ),
)
async def book_shipment(
    station_id: StationId, shipment_in: ShipmentIn, session: SessionDep, tools: ToolsDep, caller: Sender
) -> ShipmentPublic:
    parcel, code = await flows.book_shipment(
        session=session, station_id=station_id, tools=tools, shipment_in=shipment_in, traveller=caller
    )
    return ShipmentPublic(parcel=await present(session, parcel, caller), drop_off_code=code)


@router.post(
    "/banks/{code}/keypad",
    summary="A code typed on the bank's keypad (its controller asks): the compartment to open",
    responses=problem_responses(
        {
            403: "`wrong-code`: no parcel has this code here; five in a row lock the keypad.",
            409: "`door-busy`: its door is already open.",
            429: "`keypad-locked`: too many wrong codes; retry after `Retry-After`.",
        }
    ),
)
async def keypad(
    station_id: StationId,
    code: BankCodePath,
    keypad_in: KeypadIn,
    session: SessionDep,
    tools: ToolsDep,
    caller: Controller,
) -> KeypadOpen:
    bank = await service.get_bank_by_code_or_raise(session=session, station_id=station_id, code=code)
    _controller_of(caller, bank)
    parcel, label = await flows.keypad(
        session=session,
        tools=tools,
        station_id=station_id,
        bank_code=code,
        code=keypad_in.code,
        controller=caller,
    )
    return KeypadOpen(compartment=label, parcel_id=parcel.id)


@router.get(
    "/banks/{code}/presence-code",
    summary="The code the bank's screen shows now (its controller; operators): it changes every period",
    responses=problem_responses({404: "`unknown-bank`."}),
)
async def presence_code(
    station_id: StationId,
    code: BankCodePath,
    session: SessionDep,
    tools: ToolsDep,
    caller: ControllerOrOperator,
    response: Response,
) -> PresenceCode:
    bank = await service.get_bank_by_code_or_raise(session=session, station_id=station_id, code=code)
    if not caller.has_any_scope(Scope.OPERATE):
        _controller_of(caller, bank)
    shown, until = flows.presence_now(tools, bank)
    response.headers["Cache-Control"] = "no-store"
    return PresenceCode(
        bank=bank.code, code=shown, period_seconds=tools.settings.presence_code_seconds, valid_until=until
    )


@router.post(
    "/banks/{code}/door-events",
    summary="A controller's journal: doors opened by QR (also while offline) and doors closed; each event counts once",
)
async def door_events(
    station_id: StationId,
    code: BankCodePath,
    events_in: DoorEventsIn,
    session: SessionDep,
    tools: ToolsDep,
    caller: Controller,
) -> DoorEventsResult:
    bank = await service.get_bank_by_code_or_raise(session=session, station_id=station_id, code=code)
    _controller_of(caller, bank)
    results = await flows.report_door_events(
        session=session,
        tools=tools,
        station_id=station_id,
        bank_code=code,
        reported=events_in.events,
        controller=caller,
    )
    return DoorEventsResult(results=results)


@router.get(
    "/openings", summary="Every door opening: who, how, when, and how it ended (operators), newest first"
)
async def list_openings(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    bank: Annotated[str | None, Query(pattern=BANK_CODE_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,9}$")] = None,
) -> OpeningList:
    offset = int(cursor or 0)
    rows = await service.list_openings(
        session=session, station_id=station_id, bank_code=bank, offset=offset, limit=limit + 1
    )
    items = [OpeningPublic(**row) for row in rows[:limit]]
    return OpeningList(items=items, next_cursor=str(offset + limit) if len(rows) > limit else None)


@router.post(
    "/sweeps", summary="Run expiry, reminders and door-left-open checks now (they also run on a timer)"
)
async def sweep(station_id: StationId, session: SessionDep, tools: ToolsDep, _: Operator) -> SweepResult:
    return SweepResult(**await flows.sweep(session=session, tools=tools, station_id=station_id))


@router.patch(
    "/banks/{bank_id}",
    summary="Change a bank's name, location, controller or retention days",
)
async def update_bank(
    station_id: StationId, bank_id: BankIdPath, bank_in: BankUpdate, session: SessionDep, _: Operator
) -> BankPublic:
    bank = await service.update_bank(session=session, station_id=station_id, bank_id=bank_id, bank_in=bank_in)
    return BankPublic.model_validate(bank)


@router.delete(
    "/banks/{bank_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Retire a bank that holds no parcel",
    responses=problem_responses({409: "`bank-in-use`: parcels are still in it."}),
)
async def retire_bank(
    station_id: StationId, bank_id: BankIdPath, session: SessionDep, _: Operator
) -> Response:
    await service.retire_bank(session=session, station_id=station_id, bank_id=bank_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
