"""Polling woken by a server stream: the record is still read by polling, but the poller
stops sleeping the moment the stream sends a change, instead of at its next interval.

The stream only shortens sleeps: if it fails, ends, or never sends (a server whose stream
says less than its records), the poller falls back to its plain interval.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import grpc


class StreamWake:
    """Reads ``call`` (a server-streaming gRPC call) in a daemon thread; :meth:`sleep` waits
    at most ``seconds``, less when a message arrives (or arrived since the last sleep)."""

    def __init__(self, call: Any) -> None:
        self._call = call
        self._changed = threading.Event()
        self._thread = threading.Thread(target=self._read, name="stream-wake", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            for _message in self._call:
                self._changed.set()
        except grpc.RpcError:
            pass  # cancelled, deadline or server gone: plain polling from here on
        finally:
            self._changed.set()  # the end of the stream is news too (a terminal phase)

    def sleep(self, seconds: float) -> None:
        self._changed.wait(seconds)
        self._changed.clear()

    def close(self) -> None:
        """Cancel the call (a plain iterator without ``cancel`` is left to end by itself)."""
        cancel = getattr(self._call, "cancel", None)
        if cancel is not None:
            cancel()
            self._thread.join(timeout=2)


@contextmanager
def woken_by(open_stream: Callable[[], Any]) -> Iterator[Callable[[float], None]]:
    """A ``sleep`` for :func:`harness.waiting.wait_until` that the stream ``open_stream()``
    wakes; the stream is cancelled on exit."""
    wake = StreamWake(open_stream())
    try:
        yield wake.sleep
    finally:
        wake.close()
