"""The model's inference slots, shared by all requests: beyond capacity they queue (FIFO).

llama.cpp runs up to ``capacity`` sequences at once (parallel slots, continuous batching);
each blocking llama.cpp call runs in its own worker thread (the calls release the GIL), so
the event loop keeps answering ``/api/version``, ``/api/tags`` and friends meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
Chunk = dict[str, Any]
_END = object()


class InferenceSlots:
    """Admits ``capacity`` model calls at once; ``waiting`` counts the queued ones and
    ``running`` the admitted ones. ``asyncio.Semaphore`` wakes waiters in FIFO order."""

    def __init__(self, capacity: int = 1) -> None:
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, not {capacity}")
        self.capacity = capacity
        self._free = asyncio.Semaphore(capacity)
        self._threads = ThreadPoolExecutor(capacity, thread_name_prefix="llama")
        self.waiting = 0
        self.running = 0

    @property
    def busy(self) -> bool:
        return self.running > 0

    def close(self) -> None:
        """Stop the worker threads once their calls have returned."""
        self._threads.shutdown(wait=True)

    @contextlib.asynccontextmanager
    async def _hold(self) -> AsyncIterator[None]:
        self.waiting += 1
        try:
            await self._free.acquire()
        finally:
            self.waiting -= 1
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
            self._free.release()

    def _thread(self, call: Callable[[], T]) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._threads, call)

    async def run(self, call: Callable[[], T]) -> T:
        """Run a blocking ``call`` in a slot and return its result."""
        async with self._hold():
            return await _finish(self._thread(call))

    async def stream(self, call: Callable[[Callable[[Chunk], bool]], Any]
                     ) -> AsyncIterator[Chunk]:
        """Run ``call(on_chunk)`` in a slot and yield each chunk it produces.

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
            future = self._thread(target)
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
