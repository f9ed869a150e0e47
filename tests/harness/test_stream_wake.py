"""harness.stream_wake: a stream shortens the poller's sleeps, and only that."""

from __future__ import annotations

import queue
import time

import grpc

from harness.stream_wake import StreamWake, woken_by
from harness.waiting import wait_until


class FakeCall:
    """A server-streaming call fed by the test; ``cancel`` ends it as gRPC does."""

    def __init__(self) -> None:
        self.items: queue.Queue[object] = queue.Queue()
        self.cancelled = False

    def __iter__(self):
        while (item := self.items.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    def cancel(self) -> None:
        self.cancelled = True
        self.items.put(grpc.RpcError())


def test_a_message_ends_the_sleep_at_once() -> None:
    call = FakeCall()
    wake = StreamWake(call)
    try:
        call.items.put("changed")
        started = time.monotonic()
        wake.sleep(5)
        assert time.monotonic() - started < 1
    finally:
        wake.close()
    assert call.cancelled


def test_without_messages_the_sleep_lasts_its_interval() -> None:
    call = FakeCall()
    wake = StreamWake(call)
    try:
        wake.sleep(0)  # nothing pending afterwards
        started = time.monotonic()
        wake.sleep(0.3)
        assert time.monotonic() - started >= 0.29
    finally:
        wake.close()


def test_a_failed_stream_falls_back_to_the_interval() -> None:
    call = FakeCall()
    call.items.put(grpc.RpcError())
    wake = StreamWake(call)
    try:
        wake.sleep(1)  # the failure itself wakes once
        started = time.monotonic()
        wake.sleep(0.2)
        assert time.monotonic() - started >= 0.19
    finally:
        wake.close()


def test_a_poll_woken_by_the_stream_returns_the_polled_record_early() -> None:
    call = FakeCall()
    record = {"phase": "RUNNING"}

    def observe() -> dict[str, str]:
        return dict(record)

    with woken_by(lambda: call) as sleep:
        def change_later() -> None:
            time.sleep(0.2)
            record["phase"] = "DONE"
            call.items.put("DONE")

        import threading
        threading.Thread(target=change_later, daemon=True).start()
        started = time.monotonic()
        result = wait_until(observe, lambda r: r["phase"] == "DONE", timeout=10, interval=5,
                            sleep=sleep)
    assert result == {"phase": "DONE"}
    assert time.monotonic() - started < 2  # not the 5 s interval
    assert call.cancelled
