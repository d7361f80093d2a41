"""Content's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kernel.db import one_or_404
from kernel.deps import SessionDep, StationId
from kernel.openapi import problem_responses
from kernel.pagination import Page
from kernel.registry import SIGNAGE
from services.signage.content import domain, service
from services.signage.deps import IdPath, Operator, PageDep
from services.signage.models import ContentItem
from services.signage.schemas import ContentCreate, ContentPublic

router = APIRouter(prefix=SIGNAGE.path_prefix, tags=["signage"])


UNKNOWN_CONTENT = "`unknown-content`: no such content here."


@router.post(
    "/content",
    status_code=status.HTTP_201_CREATED,
    summary="Add a message, HTML message, image, video, artwork or widget",
)
async def create_content(
    station_id: StationId, content_in: ContentCreate, session: SessionDep, _: Operator
) -> ContentPublic:
    item = await service.create_content_item(session=session, station_id=station_id, content_in=content_in)
    return ContentPublic.model_validate(item)


@router.get("/content", summary="The station's content, oldest first, by kind")
async def list_content(
    station_id: StationId,
    session: SessionDep,
    _: Operator,
    page: PageDep,
    kind: Annotated[domain.ContentKind | None, Query(description="Only content of this kind")] = None,
) -> Page[ContentPublic]:
    items, next_cursor = await service.page_content_items(
        session=session, station_id=station_id, kind=kind, page=page
    )
    return Page(items=[ContentPublic.model_validate(i) for i in items], next_cursor=next_cursor)


@router.get(
    "/content/{content_id}", summary="One content", responses=problem_responses({404: UNKNOWN_CONTENT})
)
async def get_content(
    station_id: StationId, content_id: IdPath, session: SessionDep, _: Operator
) -> ContentPublic:
    return ContentPublic.model_validate(
        await one_or_404(session, ContentItem, "unknown-content", station_id=station_id, id=content_id)
    )


@router.put(
    "/content/{content_id}",
    summary="Replace a content; the screens that show it get it at once",
    responses=problem_responses({404: UNKNOWN_CONTENT}),
)
async def update_content(
    station_id: StationId, content_id: IdPath, content_in: ContentCreate, session: SessionDep, _: Operator
) -> ContentPublic:
    item = await service.update_content_item(
        session=session, station_id=station_id, content_id=content_id, content_in=content_in
    )
    return ContentPublic.model_validate(item)


@router.delete(
    "/content/{content_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a content no playlist shows",
    responses=problem_responses({404: UNKNOWN_CONTENT, 409: "`content-in-use`: a playlist shows it."}),
)
async def delete_content(
    station_id: StationId, content_id: IdPath, session: SessionDep, _: Operator
) -> Response:
    await service.delete_content_item(session=session, station_id=station_id, content_id=content_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
