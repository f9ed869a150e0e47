"""Progress lines for long phases: printed to stderr at once (outside behave's capture),
timed, with a heartbeat while a phase runs, and kept in ``<run>/progress.log``."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.secrets import run_redactor

Emit = Callable[[str], None]


class ProgressLog:
    """Writes each line to stderr and, once a run directory is known, to a file."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self._lock = threading.Lock()

    def attach(self, path: Path) -> None:
        self.path = path

    def __call__(self, message: str) -> None:
        message = run_redactor()(message)  # the run's secrets, in any encoding
        with self._lock:
            print(message, file=sys.__stderr__, flush=True)
            if self.path is not None:
                try:
                    with self.path.open("a", encoding="utf-8") as log:
                        log.write(f"{time.strftime('%H:%M:%S')} {message}\n")
                except OSError:
                    pass


@contextmanager
def phase(emit: Emit, label: str, heartbeat: float = 15.0) -> Iterator[None]:
    """``<label> ...``, then ``<label>: still running (30s)`` every ``heartbeat`` seconds,
    then ``<label>: done in 12.3s`` (or ``failed after``)."""
    started = time.monotonic()
    done = threading.Event()

    def beat() -> None:
        while not done.wait(heartbeat):
            emit(f"{label}: still running ({time.monotonic() - started:.0f}s)")

    emit(f"{label} ...")
    ticker = threading.Thread(target=beat, name="progress-heartbeat", daemon=True)
    if not sys.is_finalizing():  # a thread started at interpreter shutdown never runs
        ticker.start()
    try:
        yield
    except BaseException:
        done.set()
        emit(f"{label}: failed after {time.monotonic() - started:.1f}s")
        raise
    else:
        done.set()
        emit(f"{label}: done in {time.monotonic() - started:.1f}s")
    finally:
        if ticker.is_alive():
            ticker.join(timeout=1)
