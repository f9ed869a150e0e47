"""The slot pool alone, with fake blocking calls: capacity, FIFO queueing, early stop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from reference.llm.slot import InferenceSlots


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        InferenceSlots(0)


def test_runs_capacity_calls_at_once_and_queues_the_rest_in_order() -> None:
    started: list[int] = []
    release = threading.Event()
    lock = threading.Lock()
    peak = 0
    inside = 0

    def call(n: int) -> Callable[[], int]:
        def blocking() -> int:
            nonlocal peak, inside
            with lock:
                started.append(n)
                inside += 1
                peak = max(peak, inside)
            release.wait(5)
            time.sleep(0.01)
            with lock:
                inside -= 1
            return n * 10
        return blocking

    async def scenario() -> tuple[list[int], int, int]:
        slots = InferenceSlots(2)
        tasks = []
        for n in range(5):
            tasks.append(asyncio.create_task(slots.run(call(n))))
            await asyncio.sleep(0.01)  # submission order = n
        for _ in range(200):
            if slots.running == 2:
                break
            await asyncio.sleep(0.01)
        waiting, running = slots.waiting, slots.running
        release.set()
        results = await asyncio.gather(*tasks)
        slots.close()
        assert not slots.busy and slots.waiting == 0
        return results, waiting, running

    results, waiting, running = asyncio.run(scenario())
    assert results == [0, 10, 20, 30, 40]
    assert (running, waiting) == (2, 3)
    assert peak == 2
    assert started[:2] == [0, 1] or started[:2] == [1, 0]
    assert started[2:] == [2, 3, 4]  # the queue is served first come, first served


def test_stream_yields_chunks_and_stops_when_the_consumer_leaves() -> None:
    stopped = threading.Event()

    def generate(on_chunk: Callable[[dict[str, Any]], bool]) -> None:
        for n in range(1000):
            if on_chunk({"n": n}):
                stopped.set()
                return
            time.sleep(0.001)

    async def scenario() -> list[int]:
        slots = InferenceSlots(1)
        seen = []
        stream = slots.stream(generate)
        async for chunk in stream:
            seen.append(chunk["n"])
            if len(seen) == 3:
                break
        await stream.aclose()
        assert slots.running == 0  # released only after the call returned
        slots.close()
        return seen

    assert asyncio.run(scenario()) == [0, 1, 2]
    assert stopped.is_set()
