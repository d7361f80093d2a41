"""Stopping background tasks: a loop that loses one cancellation still stops, a stuck one is left."""

from __future__ import annotations

import asyncio

from kernel.tasks import stop_task


async def test_a_loop_that_swallows_a_cancellation_is_cancelled_again_and_stops():
    swallowed = 0

    async def loop() -> None:
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                # What asyncio.wait_for does on Python 3.11 when the cancellation meets a completion.
                swallowed += 1
                if swallowed > 2:
                    raise

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)
    await stop_task(task, timeout=5)
    assert task.cancelled() and swallowed == 3


async def test_a_task_that_will_not_end_is_left_after_the_timeout():
    refusing = True

    async def stubborn() -> None:
        while True:
            try:
                await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                if not refusing:
                    raise

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await stop_task(task, timeout=0.3)
    assert not task.done()  # shutdown went on without it
    refusing = False
    await stop_task(task, timeout=5)
    assert task.cancelled()
