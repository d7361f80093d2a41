"""Stopping background tasks (outbox relay, consumers, sweepers, feeds) so that shutdown ends."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


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
