"""In-process pub/sub of committed resource snapshots, keyed by resource id.

Writers publish after each commit from any thread; subscribers are asyncio consumers
(e.g. a ``subscribe`` stream). Events are full snapshots, so a slow subscriber whose
queue overflows only loses intermediate states, never the latest one.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

MAX_QUEUED = 1000


@dataclass(frozen=True)
class Event:
    """A committed change: the new snapshot (None when deleted) and its store revision."""

    revision: int
    resource: Any | None


class Subscription:
    """A subscriber's queue of events; iterate it, and close it when done."""

    def __init__(self, broker: Broker, key: str) -> None:
        self._broker = broker
        self.key = key
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    def deliver(self, event: Event | None) -> None:
        """Queue an event (loop thread only); drops the oldest one on overflow."""
        if self._queue.qsize() >= MAX_QUEUED:
            self._queue.get_nowait()
        self._queue.put_nowait(event)

    def close(self) -> None:
        """Stop receiving events."""
        self._broker._remove(self)


class Broker:
    """Routes published events to the subscriptions of the same key."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._lock = threading.Lock()
        self._closed = False

    def subscribe(self, key: str) -> Subscription:
        """Start receiving events for ``key`` (call from the event loop)."""
        subscription = Subscription(self, key)
        with self._lock:
            if self._closed:
                subscription.deliver(None)
            else:
                self._subscriptions.setdefault(key, set()).add(subscription)
        return subscription

    def publish(self, key: str, event: Event) -> None:
        """Deliver ``event`` to every subscriber of ``key``; safe from any thread."""
        with self._lock:
            targets = list(self._subscriptions.get(key, ()))
        if targets:
            self._call_in_loop(lambda: _deliver_all(targets, event))

    def subscriber_count(self, key: str) -> int:
        """How many subscriptions are open for ``key``."""
        with self._lock:
            return len(self._subscriptions.get(key, ()))

    def close(self) -> None:
        """End every subscription (server shutdown)."""
        with self._lock:
            self._closed = True
            targets = [s for subs in self._subscriptions.values() for s in subs]
            self._subscriptions.clear()
        self._call_in_loop(lambda: _deliver_all(targets, None))

    def _remove(self, subscription: Subscription) -> None:
        with self._lock:
            subs = self._subscriptions.get(subscription.key)
            if subs is not None:
                subs.discard(subscription)
                if not subs:
                    del self._subscriptions[subscription.key]

    def _call_in_loop(self, callback: Any) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            callback()
        elif not self._loop.is_closed():
            self._loop.call_soon_threadsafe(callback)


def _deliver_all(targets: list[Subscription], event: Event | None) -> None:
    for subscription in targets:
        subscription.deliver(event)
