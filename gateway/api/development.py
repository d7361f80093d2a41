"""The development inbox: what the embedded notifier would have sent (never in production)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from gateway import domain
from gateway.api.common import (
    GatewayDep,
)
from gateway.schemas import (
    NotifierMessage,
)
from kernel.errors import NotFound
from kernel.notifier import RedisInboxNotifier
from kernel.pagination import Page, PageRequest, page_of_items, page_request

router = APIRouter(tags=["development"])

# -- development --------------------------------------------------------------------------------


@router.get(
    "/dev/notifier/messages",
    summary="Messages the embedded notifier would have sent, newest first (development only)",
    response_model=Page[NotifierMessage],
)
async def notifier_messages(
    gateway: GatewayDep,
    page: Annotated[PageRequest, Depends(page_request)],
    to: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[NotifierMessage]:
    if not isinstance(gateway.notifier, RedisInboxNotifier):
        raise NotFound("No development inbox in this deployment.")
    number = domain.normalize_phone_number(to) if to else None
    messages = [NotifierMessage(**m) for m in await gateway.notifier.messages(to=number or to)]
    # Newest first; the text breaks ties between messages of the same microsecond.
    items, next_cursor = page_of_items(messages, lambda m: (m.sent_at, m.to, m.text), page, descending=True)
    return Page(items=items, next_cursor=next_cursor)
