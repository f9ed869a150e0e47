"""Teardown that a second signal cannot cut short, and that says what it removed.

``shielded()`` holds SIGINT and SIGTERM while the block runs (main thread only): a Ctrl-C
during teardown is reported and the teardown goes on until everything it started is gone.
A signal that arrives while nothing else is interrupting the run is not lost: it is
remembered, and ``exit_if_signalled()`` (the very end of the run) exits with its status.
``hold_until_exit()`` starts the run's final teardown: from then on SIGINT and SIGTERM only
decide the exit status (128 + the first signal's number), because an exception raised in
behave's own clean-ups after ``after_all`` would escape them and leave a fixture to be
finalized by the interpreter's shutdown, which hangs.
``describe_stopper()`` names what one teardown step removes, for the progress lines.

The handlers never take a lock: a signal can arrive while the main thread is inside the
progress log's lock, so the immediate notice goes straight to file descriptor 2 and the
progress line follows once the block is over.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Progress = Callable[[str], None]
HELD = (signal.SIGINT, signal.SIGTERM)
_unanswered: list[int] = []  # signals held while no interrupt was already under way
_final: list[int] = []  # signals held by hold_until_exit()
_holding = [False]  # whether hold_until_exit() has been called


def _notice(signum: int, what: str) -> str:
    return (f"[{what}] {signal.Signals(signum).name} received: finishing the {what} first, "
            "so that nothing it started is left behind")


def _write_now(line: str) -> None:
    """Straight to stderr's file descriptor: safe inside a signal handler."""
    with contextlib.suppress(OSError):
        os.write(2, (line + "\n").encode())


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
        _write_now(_notice(signum, what))

    previous = {sig: signal.signal(sig, hold) for sig in HELD}
    try:
        yield received
    except BaseException:
        raise  # an interrupt (or error) already under way answers for the held signals
    else:  # once the final teardown holds signals, the exit status answers them all
        (_final if _holding[0] else _unanswered).extend(received)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for signum in received:  # the progress log gets a line too, now it is safe
            progress(f"[{what}] {signal.Signals(signum).name} was held until the {what} "
                     "had finished")


def hold_until_exit(what: str = "final teardown") -> None:
    """From now to the end of the process, SIGINT and SIGTERM are held: noted on stderr at
    once, answered by the exit status (see ``_exit_with_held_signal``). Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return

    def hold(signum: int, _frame: object) -> None:
        _final.append(signum)
        _write_now(_notice(signum, what))

    _holding[0] = True
    for sig in HELD:
        signal.signal(sig, hold)


def final_signals() -> list[int]:
    """The signals held since ``hold_until_exit()`` (a copy)."""
    return list(_final)


@atexit.register  # registered at import, before any stack's: so it runs last
def _exit_with_held_signal() -> None:
    """A run told to stop during its final teardown ends with 128 + the signal's number."""
    if not _final:
        return
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(128 + _final[0])


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
