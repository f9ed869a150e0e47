"""Start and stop the reference LLM endpoint as a subprocess (used by the fixtures)."""

from __future__ import annotations

import os
import re
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
READY = re.compile(r"^listening on (\S+):(\d+)$")
MODEL = "smollm2:135m"


@dataclass
class LlmServer:
    process: subprocess.Popen[str]
    host: str
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10.0) -> int:
        """Signal the process by PID, kill it if it lingers; return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        return self.process.returncode


def start_server(log: Path, *args: str, timeout: float = 60.0) -> LlmServer:
    """Start ``python -m reference.llm --port 0`` and wait for its ready line."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reference.llm", "--port", "0", *args],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.2)
        if ready:
            line = process.stdout.readline()
            match = READY.match(line.strip())
            if match:
                return LlmServer(process, match.group(1), int(match.group(2)), log)
        if process.poll() is not None:
            break
    process.kill()
    process.wait(5)
    raise RuntimeError(f"reference.llm did not become ready:\n{log.read_text()[-3000:]}")
