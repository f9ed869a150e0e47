"""Teardown that a second signal cannot cut short, and that says what it removed.

``shielded()`` holds SIGINT and SIGTERM while the block runs (main thread only): a Ctrl-C
during teardown is reported and the teardown goes on until everything it started is gone.
A signal that arrives while nothing else is interrupting the run is not lost: it is
remembered, and ``exit_if_signalled()`` (the very end of the run) exits with its status.
``describe_stopper()`` names what one teardown step removes, for the progress lines.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Progress = Callable[[str], None]
HELD = (signal.SIGINT, signal.SIGTERM)
_unanswered: list[int] = []  # signals held while no interrupt was already under way


@contextmanager
def shielded(progress: Progress, what: str = "teardown") -> Iterator[list[int]]:
    """Run the block with SIGINT/SIGTERM held (reported, not raised); yields the signals
    received meanwhile."""
    received: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def hold(signum: int, _frame: object) -> None:
        received.append(signum)
        progress(f"[{what}] {signal.Signals(signum).name} received: finishing the {what} "
                 "first, so that nothing it started is left behind")

    previous = {sig: signal.signal(sig, hold) for sig in HELD}
    try:
        yield received
    except BaseException:
        raise  # an interrupt (or error) already under way answers for the held signals
    else:
        _unanswered.extend(received)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def exit_if_signalled() -> None:
    """Exit with 128 + the signal's number when a teardown held a signal that nothing else
    answered (e.g. SIGTERM during the final teardown): a run that was told to stop must not
    end with status 0."""
    if _unanswered:
        signum = _unanswered[0]
        _unanswered.clear()
        raise SystemExit(128 + signum)


def describe_stopper(stopper: Callable[[], Any]) -> str:
    """What a teardown step removes ('' for steps that remove nothing, e.g. log copies)."""
    owner = getattr(stopper, "__self__", None)
    if owner is None:
        return ""
    if getattr(stopper, "__name__", "") == "down" and hasattr(owner, "project_name"):
        return f"compose project {owner.project_name} (containers, networks, volumes)"
    if hasattr(owner, "path") and getattr(stopper, "__name__", "") == "cleanup":
        return f"temp dir {owner.path}"
    process = getattr(owner, "process", None) or getattr(owner, "_process", None) or owner
    name = getattr(process, "name", type(owner).__name__)
    pid = getattr(process, "pid", None)
    return f"process {name}" + (f" (PID {pid})" if pid else "")
