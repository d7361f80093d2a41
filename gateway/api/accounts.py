"""Staff accounts, for network admins: create, list, read, update, delete. `accounts` does the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from gateway import accounts, domain
from gateway.api.common import (
    OWN_ACCOUNT,
    UNKNOWN_ACCOUNT,
    CallerDep,
    GatewayDep,
    UsernamePath,
)
from gateway.models import Account
from gateway.schemas import (
    AccountCreate,
    AccountPublic,
    AccountUpdate,
)
from kernel.auth import Principal
from kernel.errors import Forbidden, Problem
from kernel.openapi import FORBIDDEN, declares, problem_responses
from kernel.pagination import Page, PageRequest, page_request
from kernel.stations import StationSlug

router = APIRouter(prefix="/auth/accounts", tags=["accounts"])

# -- staff accounts (network admins) ------------------------------------------------------------


@declares({403: FORBIDDEN})
def require_admin(caller: CallerDep) -> Principal:
    if domain.ADMIN_SCOPE not in caller.scopes:
        raise Forbidden(f"Managing accounts needs the {domain.ADMIN_SCOPE!r} scope.")
    return caller


AdminDep = Annotated[Principal, Depends(require_admin)]


def _is_self(admin: Principal, username: str) -> bool:
    """Admins must not lock the network out by removing the last way in: their own account."""
    return admin.subject == f"admin:{username}"


def account_public(account: Account) -> AccountPublic:
    return AccountPublic(
        username=account.username,
        role=account.role,  # type: ignore[arg-type]
        stations=list(account.stations),
        carrier=account.carrier,
        disabled=account.disabled,
        created_at=account.created_at,
    )


@router.get("", summary="Staff accounts, in username order")
async def list_accounts(
    gateway: GatewayDep,
    admin: AdminDep,
    role: Annotated[str | None, Query(pattern="^(operator|courier|admin)$")] = None,
    station: Annotated[StationSlug | None, Query()] = None,
    page: PageRequest = Depends(page_request),
) -> Page[AccountPublic]:
    async with gateway.sessionmaker() as db:
        found, next_cursor = await accounts.list_page(db, role=role, station=station, page=page)
    return Page(items=[account_public(a) for a in found], next_cursor=next_cursor)


@router.post(
    "",
    status_code=201,
    summary="Create a staff account",
    responses=problem_responses({409: "`username-taken`: a staff account has this username."}),
)
async def create_account(
    account_in: AccountCreate, response: Response, gateway: GatewayDep, admin: AdminDep
) -> AccountPublic:
    async with gateway.sessionmaker() as db:
        account = await accounts.create(db, account_in=account_in)
    response.headers["Location"] = f"/auth/accounts/{account.username}"
    return account_public(account)


@router.get("/{username}", summary="One staff account", responses=problem_responses({404: UNKNOWN_ACCOUNT}))
async def get_account(username: UsernamePath, gateway: GatewayDep, admin: AdminDep) -> AccountPublic:
    async with gateway.sessionmaker() as db:
        return account_public(await accounts.get_or_404(db, username=username))


@router.patch(
    "/{username}",
    summary="Change a staff account; a new password, a new role or disabling ends its sign-ins",
    responses=problem_responses({404: UNKNOWN_ACCOUNT, 409: OWN_ACCOUNT}),
)
async def update_account(
    username: UsernamePath, changes: AccountUpdate, gateway: GatewayDep, admin: AdminDep
) -> AccountPublic:
    if _is_self(admin, username) and (changes.disabled or changes.role not in (None, "admin")):
        raise Problem("An admin cannot disable or demote their own account.", status=409, slug="conflict")
    async with gateway.sessionmaker() as db:
        return account_public(await accounts.update(db, username=username, changes=changes))


@router.delete(
    "/{username}",
    status_code=204,
    summary="Delete a staff account and end its sign-ins",
    responses=problem_responses({404: UNKNOWN_ACCOUNT, 409: OWN_ACCOUNT}),
)
async def delete_account(username: UsernamePath, gateway: GatewayDep, admin: AdminDep) -> Response:
    if _is_self(admin, username):
        raise Problem("An admin cannot delete their own account.", status=409, slug="conflict")
    async with gateway.sessionmaker() as db:
        await accounts.delete(db, username=username)
    return Response(status_code=204)
