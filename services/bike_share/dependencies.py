"""What the routes of every entity share: who may call them, and the shapes of their paths and
queries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from kernel.auth import Principal, Scope
from kernel.deps import require_scopes
from kernel.errors import Forbidden
from kernel.hot_reads import Key, ReadRequest
from kernel.openapi import declares, problem_responses
from kernel.pagination import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, page_request
from kernel.runtime import ServiceRuntime
from services.bike_share import domain

ID_PATTERN = r"^[A-Za-z0-9._-]+$"
IdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]
SystemPath = Annotated[str, Path(min_length=1, max_length=24, pattern=ID_PATTERN)]
SystemFilter = Annotated[str | None, Query(max_length=24, pattern=ID_PATTERN)]
# Every list answers the kernel's page shape: `cursor` and `limit` in, `items` and `next_cursor` out.
PageAsked = Annotated[PageRequest, Depends(page_request)]


def page_key(request: ReadRequest) -> Key | None:
    """A paged hot read's key: the station and the page asked for. None (the route judges, nothing
    is kept) for a query the route would refuse or read another way."""
    if request.repeats_query("cursor", "limit"):
        return None
    limit = request.query.get("limit", str(DEFAULT_LIMIT))
    if not (limit.isascii() and limit.isdigit()) or not 1 <= int(limit) <= MAX_LIMIT:
        return None
    return request.station_id, request.query.get("cursor"), int(limit)


# Availability moves every few minutes; apps and aggregators may reuse an answer for 5 s, then
# revalidate with its ETag (GBFS feeds use a `ttl` in the same spirit).
LIVE = "public, max-age=5"
IN_USE = problem_responses({409: "`conflict`: it exists already, or it is still in use."})

Operator = Annotated[Principal, Depends(require_scopes(Scope.OPERATE))]
Reporter = Annotated[Principal, Depends(require_scopes(Scope.OPERATE, Scope.REPORT_MOBILITY))]

SHARED_BY_STATIONS = (
    "`shared-by-stations`: systems, vehicle types and pricing plans are changed by a network "
    "administrator only."
)


@declares({403: SHARED_BY_STATIONS})
async def network_admin(principal: Operator) -> Principal:
    if not domain.may_change_shared(principal):
        raise Forbidden(
            "Systems, vehicle types and pricing plans are shared by every station: "
            "only a network administrator (network:admin) changes them.",
            slug="shared-by-stations",
        )
    return principal


# Who changes what every station shows: systems, vehicle types, pricing plans.
NetworkAdmin = Annotated[Principal, Depends(network_admin)]


def served(runtime: ServiceRuntime) -> list[str]:
    """The stations this process serves: a shared change is marked and announced at each."""
    return list(runtime.settings.stations)
