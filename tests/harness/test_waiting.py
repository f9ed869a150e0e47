"""harness.waiting.wait_until with an injected clock: no real sleeping."""

from __future__ import annotations

import pytest

from harness.waiting import WaitAborted, WaitTimeout, wait_until


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


def sequence(*states):
    """An observer returning the given states (then the last one forever)."""
    items = list(states)
    calls = []

    def observe():
        calls.append(1)
        value = items.pop(0) if len(items) > 1 else items[0]
        if isinstance(value, BaseException):
            raise value
        return value

    observe.calls = calls  # type: ignore[attr-defined]
    return observe


def test_returns_the_first_state_that_satisfies() -> None:
    clock = FakeClock()
    observe = sequence("PENDING", "RUNNING", "DONE-1", "DONE-2")
    result = wait_until(observe, lambda s: s.startswith("DONE"), timeout=10, interval=1,
                        clock=clock, sleep=clock.sleep)
    assert result == "DONE-1"
    assert len(observe.calls) == 3
    assert clock.sleeps == [1, 1]


def test_returns_at_once_without_sleeping_when_already_done() -> None:
    clock = FakeClock()
    assert wait_until(lambda: 42, lambda v: v == 42, timeout=1, clock=clock,
                      sleep=clock.sleep) == 42
    assert clock.sleeps == []


def test_timeout_names_what_and_the_last_state() -> None:
    clock = FakeClock()
    observe = sequence("PENDING", "RUNNING")
    with pytest.raises(WaitTimeout) as raised:
        wait_until(observe, lambda s: s == "DONE", timeout=3, interval=1, what="the execution",
                   describe=lambda s: f"phase={s}", clock=clock, sleep=clock.sleep)
    message = str(raised.value)
    assert "timed out after 3s waiting for the execution" in message
    assert "last state: phase=RUNNING" in message
    assert raised.value.last == "RUNNING"
    assert isinstance(raised.value, TimeoutError)


def test_timeout_is_respected_and_sleeps_never_overshoot_the_deadline() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeout):
        wait_until(lambda: 0, bool, timeout=2.5, interval=1, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [1, 1, 0.5]
    assert clock.now == pytest.approx(1002.5)


def test_abort_raises_at_once_with_the_reason() -> None:
    clock = FakeClock()
    observe = sequence("RUNNING", "FAILED", "COMPLETED")
    with pytest.raises(WaitAborted) as raised:
        wait_until(observe, lambda s: s == "COMPLETED", timeout=60, interval=1,
                   what="completion", abort=lambda s: "it failed" if s == "FAILED" else None,
                   clock=clock, sleep=clock.sleep)
    assert str(raised.value) == "gave up waiting for completion: it failed"
    assert raised.value.last == "FAILED"
    assert len(observe.calls) == 2
    assert clock.sleeps == [1]


def test_done_wins_over_abort() -> None:
    clock = FakeClock()
    result = wait_until(lambda: "X", lambda s: True, timeout=1, abort=lambda s: "never",
                        clock=clock, sleep=clock.sleep)
    assert result == "X"


def test_tolerated_exceptions_are_retried() -> None:
    clock = FakeClock()
    observe = sequence(ConnectionError("refused"), ConnectionError("refused"), "UP")
    result = wait_until(observe, lambda s: s == "UP", timeout=10, interval=1,
                        tolerate=(ConnectionError,), clock=clock, sleep=clock.sleep)
    assert result == "UP"
    assert len(observe.calls) == 3


def test_tolerated_exception_is_reported_in_the_timeout() -> None:
    clock = FakeClock()
    observe = sequence("STARTING", ConnectionError("connection refused"))
    with pytest.raises(WaitTimeout) as raised:
        wait_until(observe, lambda s: s == "UP", timeout=2, interval=1, what="the server",
                   tolerate=(ConnectionError,), clock=clock, sleep=clock.sleep)
    assert "waiting for the server" in str(raised.value)
    assert "last error: connection refused" in str(raised.value)


def test_only_errors_observed_reports_the_error_and_no_state() -> None:
    clock = FakeClock()
    with pytest.raises(WaitTimeout, match=r"\(last error: down\)") as raised:
        wait_until(sequence(OSError("down")), bool, timeout=1, tolerate=(OSError,),
                   clock=clock, sleep=clock.sleep)
    assert raised.value.last is None


def test_untolerated_exceptions_propagate_immediately() -> None:
    clock = FakeClock()
    with pytest.raises(KeyError):
        wait_until(sequence(KeyError("boom")), bool, timeout=10, tolerate=(OSError,),
                   clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []


def test_real_clock_short_wait() -> None:
    ticks = iter(range(100))
    assert wait_until(lambda: next(ticks), lambda n: n >= 2, timeout=2, interval=0.001) == 2
