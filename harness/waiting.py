"""One generic wait helper: poll, deadline, and a timeout message naming the last state."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(TimeoutError):
    """The condition did not hold before the deadline; carries the last observed state."""

    def __init__(self, message: str, last: object = None) -> None:
        super().__init__(message)
        self.last = last


class WaitAborted(RuntimeError):
    """The observed state made waiting pointless (e.g. an execution FAILED)."""

    def __init__(self, message: str, last: object = None) -> None:
        super().__init__(message)
        self.last = last


def wait_until(
    observe: Callable[[], T],
    done: Callable[[T], bool],
    *,
    timeout: float,
    interval: float = 0.5,
    what: str = "condition",
    describe: Callable[[T], str] = repr,
    abort: Callable[[T], str | None] | None = None,
    tolerate: tuple[type[BaseException], ...] = (),
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``observe`` until ``done(state)`` holds and return that state.

    ``abort(state)`` may return a reason to stop at once (raises ``WaitAborted``).
    Exceptions listed in ``tolerate`` are treated as "not yet" and reported if the wait
    times out. The timeout message names ``what`` and describes the last observation.
    """
    deadline = clock() + timeout
    last: T | None = None
    last_error: BaseException | None = None
    observed = False
    while True:
        try:
            last = observe()
            observed = True
            last_error = None
        except tolerate as error:
            last_error = error
        if observed and last_error is None:
            if done(last):  # type: ignore[arg-type]
                return last  # type: ignore[return-value]
            if abort is not None:
                reason = abort(last)  # type: ignore[arg-type]
                if reason:
                    raise WaitAborted(f"gave up waiting for {what}: {reason}", last)
        if clock() >= deadline:
            if last_error is not None:
                state = f"last error: {last_error}"
            elif observed:
                state = f"last state: {describe(last)}"  # type: ignore[arg-type]
            else:
                state = "nothing observed"
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {what} ({state})", last)
        sleep(min(interval, max(0.0, deadline - clock())))
