"""Liveness and readiness: /healthz says the process runs, /readyz says what it depends on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

CheckResult = tuple[bool, str | None]
Probe = Callable[[], Awaitable[CheckResult]]


@dataclass(frozen=True)
class Check:
    """A dependency to probe. A required one down makes /readyz answer 503; others mark it degraded."""

    name: str
    probe: Probe
    required: bool = True
    timeout: float = 1.5


async def run_check(check: Check) -> dict[str, Any]:
    try:
        ok, detail = await asyncio.wait_for(check.probe(), check.timeout)
    except TimeoutError:
        ok, detail = False, f"no answer within {check.timeout}s"
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
    result: dict[str, Any] = {"status": "up" if ok else "down", "required": check.required}
    if detail:
        result["detail"] = detail
    return result


async def readiness(component: str, checks: list[Check]) -> tuple[int, dict[str, Any]]:
    results = await asyncio.gather(*(run_check(check) for check in checks))
    by_name = {check.name: result for check, result in zip(checks, results, strict=True)}
    required_down = any(r["status"] == "down" and r["required"] for r in results)
    any_down = any(r["status"] == "down" for r in results)
    status = "unavailable" if required_down else "degraded" if any_down else "ready"
    return (503 if required_down else 200), {"status": status, "component": component, "checks": by_name}


class CheckState(BaseModel):
    status: Literal["up", "down"]
    required: bool
    detail: str | None = None


class Readiness(BaseModel):
    status: Literal["ready", "degraded", "unavailable"]
    component: str
    checks: dict[str, CheckState]


def health_router(
    component: str, checks: Callable[[Request], list[Check]], *, instance: str | None = None
) -> APIRouter:
    """`instance` names this process, so whoever started it can tell it from another on the same port."""
    router = APIRouter(tags=["health"])
    alive = {"status": "alive", "component": component} | ({"instance": instance} if instance else {})

    @router.get("/healthz", summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return alive

    @router.get(
        "/readyz",
        summary="Readiness, with the state of each dependency",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A required dependency is down."}},
    )
    async def readyz(request: Request) -> JSONResponse:
        status, body = await readiness(component, checks(request))
        return JSONResponse(body, status_code=status)

    return router
