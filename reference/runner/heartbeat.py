"""Periodic Temporal heartbeats for the lifetime of an activity (also delivers cancellation)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from temporalio import activity


@contextlib.asynccontextmanager
async def heartbeating(
    interval_s: float = 5.0, beat: Callable[..., None] = activity.heartbeat
) -> AsyncIterator[None]:
    """Call ``beat()`` every ``interval_s`` seconds until the block exits."""

    async def loop() -> None:
        while True:
            beat()
            await asyncio.sleep(interval_s)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
