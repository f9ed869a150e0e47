"""Process supervision: free ports, temp dirs, readiness waits, logs, and guaranteed stops."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from harness.waiting import WaitTimeout, wait_until


def free_port(host: str = "127.0.0.1") -> int:
    """Ask the kernel for a port that is free on ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when a TCP connection to host:port succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file (empty when it does not exist)."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


#: Called with (name, pid, argv) of every process ``ManagedProcess`` starts
#: (harness.runs.leaks records them, so that the next run can stop what a killed run left behind).
_START_LISTENERS: list[Callable[[str, int, list[str]], None]] = []


def add_start_listener(listener: Callable[[str, int, list[str]], None]) -> None:
    _START_LISTENERS.append(listener)


def remove_start_listener(listener: Callable[[str, int, list[str]], None]) -> None:
    with contextlib.suppress(ValueError):
        _START_LISTENERS.remove(listener)


def _announce_start(name: str, pid: int, argv: list[str]) -> None:
    for listener in list(_START_LISTENERS):
        # Recording must never stop a process from starting.
        with contextlib.suppress(Exception):
            listener(name, pid, argv)


class ProcessFailed(RuntimeError):
    """A supervised process exited or never became ready."""


class ManagedProcess:
    """A child process in its own process group, logging to a file, stopped for sure.

    Readiness is a regular expression expected in the log, or a callable probe, or both.
    ``stop()`` sends SIGINT to the group, then SIGKILL after ``grace`` seconds.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        ready_pattern: str | None = None,
        ready_probe: Callable[[], bool] | None = None,
        ready_timeout: float = 30.0,
        grace: float = 5.0,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.ready_pattern = re.compile(ready_pattern) if ready_pattern else None
        self.ready_probe = ready_probe
        self.ready_timeout = ready_timeout
        self.grace = grace
        self.process: subprocess.Popen[bytes] | None = None
        self.ready_match: re.Match[str] | None = None
        self._log_offset = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> ManagedProcess:
        """Start the process and block until it is ready (or raise with the log tail)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        # The log is appended to: readiness only looks at what this start writes.
        self._log_offset = log.tell()
        try:
            self.process = subprocess.Popen(
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=self.cwd,
                start_new_session=True,
            )
        finally:
            log.close()
        _announce_start(self.name, self.process.pid, list(self.argv))
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self) -> None:
        def observe() -> str:
            if self.process is not None and self.process.poll() is not None:
                raise ProcessFailed(
                    f"{self.name} exited with code {self.process.returncode} before it was "
                    f"ready; last log lines ({self.log_path}):\n{tail(self.log_path)}"
                )
            try:
                data = self.log_path.read_bytes()
            except OSError:
                return ""
            return data[self._log_offset:].decode(errors="replace")

        def ready(text: str) -> bool:
            if self.ready_pattern is not None:
                match = self.ready_pattern.search(text)
                if match is None:
                    return False
                self.ready_match = match
            return self.ready_probe() if self.ready_probe is not None else True

        try:
            wait_until(
                observe, ready, timeout=self.ready_timeout, interval=0.1,
                what=f"{self.name} to become ready",
                describe=lambda text: (text.strip().splitlines() or ["(no output)"])[-1],
            )
        except WaitTimeout as timeout:
            raise ProcessFailed(
                f"{timeout}; last log lines ({self.log_path}):\n{tail(self.log_path)}"
            ) from None

    def stop(self) -> int | None:
        """SIGINT the process group, SIGKILL it after the grace period; return the exit code."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            self._signal_group(signal.SIGINT)
            try:
                process.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                process.wait(timeout=10)
        # Children left in the group (e.g. a worker's subprocess) go too.
        self._signal_group(signal.SIGKILL)
        return process.returncode

    def end(self, kill: bool = False) -> int | None:
        """SIGKILL the group at once (a crash, on purpose) or ``stop()`` it cleanly."""
        if kill and self.running():
            self._signal_group(signal.SIGKILL)
            assert self.process is not None
            self.process.wait(timeout=10)
        return self.stop()

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def __enter__(self) -> ManagedProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


#: Called with the path of every ``TempDir`` (harness.runs.leaks records them, so that the next run
#: removes what a killed run left behind).
_TEMPDIR_LISTENERS: list[Callable[[Path], None]] = []


def add_tempdir_listener(listener: Callable[[Path], None]) -> None:
    _TEMPDIR_LISTENERS.append(listener)


def remove_tempdir_listener(listener: Callable[[Path], None]) -> None:
    with contextlib.suppress(ValueError):
        _TEMPDIR_LISTENERS.remove(listener)


class TempDir:
    """A temporary directory that is removed on ``cleanup()`` (idempotent)."""

    def __init__(self, prefix: str = "stigmer-e2e-") -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix))
        for listener in list(_TEMPDIR_LISTENERS):
            with contextlib.suppress(Exception):
                listener(self.path)

    def cleanup(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


def wait_for_port(host: str, port: int, timeout: float, what: str) -> None:
    """Block until host:port accepts connections."""
    wait_until(lambda: port_open(host, port), bool, timeout=timeout, interval=0.1, what=what,
               describe=lambda ok: "open" if ok else "closed")


def elapsed(start: float) -> str:
    return f"{time.monotonic() - start:.1f}s"
