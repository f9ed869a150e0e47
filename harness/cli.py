"""Runs a ``stigmer``-compatible CLI against the stack, records every call, parses results."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

EXECUTION_ID = re.compile(r"Execution ID:\s*((?:aex|wex)-[0-9A-Za-z]+)")


@dataclass(frozen=True)
class CliResult:
    """One CLI invocation and what it printed."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def execution_id(self) -> str | None:
        match = EXECUTION_ID.search(self.stdout)
        return match.group(1) if match else None

    def transcript(self) -> str:
        return (f"$ {' '.join(self.argv)}\n# exit {self.exit_code} in {self.seconds:.2f}s\n"
                f"{self.stdout}{self.stderr}")


@dataclass
class StigmerCli:
    """The CLI bound to one server address, API key and organization."""

    argv: Sequence[str]
    server_address: str
    api_key: str
    org: str
    cwd: Path | None = None
    timeout: float = 120.0
    history: list[CliResult] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {**os.environ, "STIGMER_SERVER_ADDR": self.server_address,
                "STIGMER_API_KEY": self.api_key, "STIGMER_ORG": self.org}

    def __call__(self, *args: str, timeout: float | None = None) -> CliResult:
        command = (*self.argv, *args)
        started = time.monotonic()
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, env=self.env(), cwd=self.cwd,
                timeout=timeout or self.timeout, stdin=subprocess.DEVNULL, check=False,
            )
            result = CliResult(tuple(command), completed.returncode, completed.stdout,
                               completed.stderr, time.monotonic() - started)
        except subprocess.TimeoutExpired as expired:
            result = CliResult(
                tuple(command), -1, _text(expired.stdout),
                _text(expired.stderr) + f"\n[harness] timed out after {expired.timeout}s",
                time.monotonic() - started)
        self.history.append(result)
        return result


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value
