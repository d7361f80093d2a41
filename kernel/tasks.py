"""Background loops (outbox relay, consumers, sweepers, feeds): each item fails alone, and
stopping them ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger(__name__)

LOOP_ITEM_FAILURES = Counter(
    "gare_loop_item_failures_total", "Items a background loop could not process (the loop went on)", ["loop"]
)


def record_item_failure(loop: str, item: object, failure: BaseException | str) -> str:
    """Log and count one item's failure; the reason returned is for the item's state row."""
    if isinstance(failure, BaseException):
        reason = f"{type(failure).__name__}: {failure}"[:1000]
    else:
        reason = failure[:1000]
    log.error(
        "a background loop's item failed",
        extra={"loop": loop, "item": str(item), "reason": reason},
        exc_info=failure if isinstance(failure, BaseException) else None,
    )
    LOOP_ITEM_FAILURES.labels(loop).inc()
    return reason


@dataclass
class ItemOutcome:
    reason: str | None = None

    @property
    def failed(self) -> bool:
        return self.reason is not None


@asynccontextmanager
async def item_alone(
    loop: str, item: object, *, session: AsyncSession | None = None
) -> AsyncIterator[ItemOutcome]:
    """One item of a background loop: if it fails, its work is rolled back (`session`; objects
    loaded before are then expired), the failure is recorded, and the loop goes on."""
    outcome = ItemOutcome()
    try:
        yield outcome
    except Exception as exc:
        if session is not None:
            await session.rollback()
        outcome.reason = record_item_failure(loop, item, exc)


async def stop_task(task: asyncio.Task[object] | None, *, timeout: float = 5.0) -> None:
    """Cancel `task` and wait for it to end, at most `timeout` seconds.

    It cancels again while the task runs: on Python 3.11 a cancellation that arrives as the inner
    wait of `asyncio.wait_for` completes is lost (CPython gh-86296), and a `while True` loop around
    it would go on for ever, holding the shutdown with it."""
    if task is None:
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not task.done():
        left = deadline - loop.time()
        if left <= 0:
            log.warning("a background task did not stop", extra={"task": task.get_name()})
            return
        task.cancel()
        await asyncio.wait({task}, timeout=min(0.25, left))
    if not task.cancelled() and task.exception() is not None:
        log.warning(
            "a background task had failed", extra={"task": task.get_name()}, exc_info=task.exception()
        )
