"""Loaded by every Python process of a test run (``PYTHONPATH``): /proc does not exist, as on
macOS, for everything but psutil (which has its own way on each system). Each refused access
is appended to ``$NO_PROC_LOG`` with the code that tried it."""

import os
import sys
import traceback

_LOG = os.environ.get("NO_PROC_LOG", "")
_EVENTS = {"open", "os.listdir", "os.scandir"}


def _from_psutil() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        if f"{os.sep}psutil{os.sep}" in frame.f_code.co_filename:
            return True
        frame = frame.f_back
    return False


def _hook(event: str, args: tuple) -> None:
    if event not in _EVENTS or not args:
        return
    path = args[0]
    if isinstance(path, bytes):
        path = path.decode(errors="replace")
    if not isinstance(path, str) or not (path == "/proc" or path.startswith("/proc/")):
        return
    if _from_psutil():
        return
    if _LOG:
        where = "".join(traceback.format_stack(sys._getframe(1), limit=4))
        with open(_LOG, "a") as log:  # not under /proc: no recursion
            log.write(f"{os.getpid()} {event} {path}\n{where}\n")
    raise FileNotFoundError(2, "No such file or directory (this test hides /proc)", path)


sys.addaudithook(_hook)
