"""Per-scenario watchdog: a scenario that runs past its limit fails, with a dump of where it
hung, instead of blocking the run.

``arm()`` sets a real-time timer (SIGALRM, delivered to the main thread, where behave runs
the steps). When it fires, the handler records every thread's stack (the main thread's is
where the scenario hung) and raises ``ScenarioTimeout`` there: a sleep or a blocked gRPC wait
is interrupted, the step fails, and the run goes on with the next scenario. No behave import.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
import traceback
from pathlib import Path
from types import FrameType


class ScenarioTimeout(Exception):
    """The scenario ran longer than ``scenario_timeout``."""


def where(frame: FrameType | None, depth: int = 3) -> str:
    """The innermost frames in the project's code (not libraries), innermost first."""
    summary = traceback.extract_stack(frame) if frame is not None else []
    ours = [entry for entry in summary if "site-packages" not in entry.filename
            and not entry.filename.startswith("<")]
    shown = [f"{_relative(entry.filename)}:{entry.lineno} in {entry.name}"
             for entry in reversed((ours or summary)[-depth:])]
    return ", called from ".join(shown) or "unknown"


def _relative(filename: str) -> str:
    with contextlib.suppress(ValueError):
        return str(Path(filename).resolve().relative_to(Path.cwd()))
    return filename


def stack_dump(main_frame: FrameType | None) -> str:
    """Every thread's stack, the main thread (where the scenario hung) first."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    frames = sys._current_frames()
    main_id = threading.main_thread().ident
    parts = [f"Thread {names.get(main_id, 'MainThread')} (the scenario):\n"
             + "".join(traceback.format_stack(main_frame))]
    for ident, frame in frames.items():
        if ident != main_id:
            parts.append(f"Thread {names.get(ident, ident)}:\n"
                         + "".join(traceback.format_stack(frame)))
    return "\n".join(parts)


class Watchdog:
    """One timer for the scenario that is running (main thread only)."""

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self.label = ""
        self.dump: str | None = None
        self.started = 0.0
        self._previous: object = None

    def arm(self, label: str) -> None:
        self.label, self.dump, self.started = label, None, time.monotonic()
        self._previous = signal.signal(signal.SIGALRM, self._fire)
        signal.setitimer(signal.ITIMER_REAL, self.limit)

    def disarm(self) -> str | None:
        """Stop the timer; the stack dump when it fired (else None)."""
        signal.setitimer(signal.ITIMER_REAL, 0)
        if self._previous is not None:
            signal.signal(signal.SIGALRM, self._previous)  # type: ignore[arg-type]
            self._previous = None
        return self.dump

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        elapsed = time.monotonic() - self.started
        self.dump = (f"{self.label}: stopped by the watchdog after {elapsed:.1f}s "
                     f"(scenario_timeout={self.limit:g}s)\n\n{stack_dump(frame)}")
        raise ScenarioTimeout(
            f"the scenario ran longer than scenario_timeout={self.limit:g}s and was stopped; "
            f"it hung at {where(frame)} (every thread's stack: hang-stacks.txt in its "
            "artifacts)")
