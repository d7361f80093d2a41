"""The caller's sign-ins: sign out, list them, end one. `sessions` does the work."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from gateway import grants, sessions
from gateway.api.common import (
    CallerDep,
    GatewayDep,
)
from gateway.models import AuthSession
from gateway.schemas import (
    SessionPublic,
)
from kernel.auth import Principal
from kernel.db import utcnow
from kernel.errors import NotFound
from kernel.openapi import problem_responses
from kernel.pagination import Page, PageRequest, page_request

router = APIRouter(tags=["auth"])

# -- the caller's sign-ins ----------------------------------------------------------------------


def _session_kind(principal: Principal) -> str:
    return {"traveller": "traveller", "device": "device"}.get(principal.role, "account")


@router.post(
    "/auth/logout",
    status_code=204,
    summary="Sign out: end this sign-in (its refresh token stops working), or every sign-in of the caller",
)
async def logout(
    gateway: GatewayDep,
    caller: CallerDep,
    everywhere: Annotated[bool, Query(description="End all of the caller's sign-ins")] = False,
) -> Response:
    now = utcnow()
    async with gateway.sessionmaker() as db:
        if everywhere:
            await sessions.revoke_all(db, subject=caller.subject, reason="signed-out", now=now)
        else:
            await sessions.end_of(db, caller, reason="signed-out", now=now)
        await db.commit()
    return Response(status_code=204)


def _session_public(session: AuthSession, caller: Principal) -> SessionPublic:
    return SessionPublic(
        id=session.id,
        kind=session.kind,
        user_agent=session.user_agent,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
        current=session.id == caller.claims.get("sid"),
    )


@router.get("/auth/sessions", summary="The caller's sign-ins that can still refresh, newest first")
async def list_sessions(
    gateway: GatewayDep, caller: CallerDep, page: PageRequest = Depends(page_request)
) -> Page[SessionPublic]:
    idle = grants.lifetimes(gateway.settings)[_session_kind(caller)].idle_seconds
    async with gateway.sessionmaker() as db:
        found, next_cursor = await sessions.list_live(
            db, subject=caller.subject, idle_seconds=idle, now=utcnow(), page=page
        )
    return Page(items=[_session_public(s, caller) for s in found], next_cursor=next_cursor)


@router.delete(
    "/auth/sessions/{session_id}",
    status_code=204,
    summary="End one of the caller's sign-ins",
    responses=problem_responses({404: "`unknown-session`: no such sign-in of yours."}),
)
async def end_session(
    gateway: GatewayDep, caller: CallerDep, session_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
) -> Response:
    async with gateway.sessionmaker() as db:
        if not await sessions.end_of(db, caller, reason="signed-out", now=utcnow(), session_id=session_id):
            raise NotFound("No such sign-in of yours.", slug="unknown-session")
        await db.commit()
    return Response(status_code=204)
