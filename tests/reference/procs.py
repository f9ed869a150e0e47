"""Child processes for the reference tests: output captured line by line, stopped by PID only."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    """A child process whose stdout+stderr are captured line by line."""

    stop_timeout_s = 15.0

    def __init__(self, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                 cwd: Path = REPO_ROOT) -> None:
        self.name = name
        self.lines: list[str] = []
        self._lock = threading.Lock()
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        full_env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), full_env.get("PYTHONPATH", "")) if p)
        self.popen = subprocess.Popen(
            list(argv), cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        """The child's PID."""
        return self.popen.pid

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        """Everything printed so far."""
        with self._lock:
            return "\n".join(self.lines)

    def tail(self, count: int = 40) -> str:
        """The last ``count`` lines."""
        with self._lock:
            return "\n".join(self.lines[-count:])

    def wait_for(self, pattern: str | re.Pattern[str], timeout_s: float) -> re.Match[str]:
        """Wait until a line matches ``pattern``; raises with the output tail otherwise."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout_s
        seen = 0
        while True:
            exited = self.popen.poll() is not None
            if exited:
                self._reader.join(2)
            with self._lock:
                fresh, seen = self.lines[seen:], len(self.lines)
            for line in fresh:
                if match := regex.search(line):
                    return match
            if exited:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode} before "
                                   f"{regex.pattern!r}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no {regex.pattern!r} within {timeout_s}s:\n"
                                   f"{self.output()[-3000:]}")
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float | None = None) -> int:
        """Signal the process (by PID) and wait; SIGKILL if it does not exit in time."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, sig)
            try:
                self.popen.wait(self.stop_timeout_s if timeout_s is None else timeout_s)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self._reader.join(2)
        return int(self.popen.returncode)
