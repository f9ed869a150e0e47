"""One inference slot shared by all requests: they queue (FIFO) instead of failing.

Blocking llama.cpp calls run in a worker thread so the event loop keeps answering
``/api/version``, ``/api/tags`` and friends while a generation is in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

T = TypeVar("T")
Chunk = dict[str, Any]
_END = object()


class InferenceSlot:
    """Serialises model calls; ``waiting`` counts requests queued behind the running one."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self.waiting = 0
        self.busy = False

    @contextlib.asynccontextmanager
    async def _hold(self) -> AsyncIterator[None]:
        self.waiting += 1
        try:
            await self._lock.acquire()
        finally:
            self.waiting -= 1
        self.busy = True
        try:
            yield
        finally:
            self.busy = False
            self._lock.release()

    async def run(self, call: Callable[[], T]) -> T:
        """Run a blocking ``call`` in the slot and return its result."""
        async with self._hold():
            return await _finish(asyncio.ensure_future(asyncio.to_thread(call)))

    async def stream(self, call: Callable[[Callable[[Chunk], bool]], Any]
                     ) -> AsyncIterator[Chunk]:
        """Run ``call(on_chunk)`` in the slot and yield each chunk it produces.

        If the consumer stops early (client gone), ``on_chunk`` returns True so llama.cpp
        stops generating, and the slot is released only once the call has returned.
        """
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        stop = threading.Event()

        def on_chunk(chunk: Chunk) -> bool:
            loop.call_soon_threadsafe(queue.put_nowait, chunk)
            return stop.is_set()

        def target() -> Any:
            try:
                return call(on_chunk)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, _END)

        async with self._hold():
            future = asyncio.ensure_future(asyncio.to_thread(target))
            try:
                while (item := await queue.get()) is not _END:
                    yield item
                await future
            finally:
                stop.set()
                await _finish(future)


async def _finish(future: asyncio.Future[T]) -> T:
    """Await a thread's future even if the awaiting task is cancelled meanwhile."""
    try:
        return await asyncio.shield(future)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await future
        raise
