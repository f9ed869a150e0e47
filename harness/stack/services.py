"""Service objects for the stack's local processes: Stigmer server, Temporal dev server,
agent-runner. Each is a thin, explicit wrapper over ``ManagedProcess``."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.processes import ManagedProcess, free_port
from harness.profile import TargetProfile, get_profile
from harness.stack.health import stigmer_ready, temporal_health


class StigmerServerProcess:
    """A Stigmer server on a free port with a temp data dir, launched the way its profile says.

    Every build is configured by Stigmer's environment variables (``GRPC_PORT``, ``DB_PATH``,
    ``TEMPORAL_HOST_PORT``, ...); the reference server also gets its extra flags (more bind
    addresses, runner timeouts). Ready when a real Stigmer RPC answers (NOT_FOUND included):
    no log line and no health service is needed.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        data_dir: Path,
        log_path: Path,
        hosts: Sequence[str] = ("127.0.0.1",),
        port: int | None = None,
        api_key: str = "",
        temporal_address: str = "",
        runner_schedule_timeout: float = 30.0,
        runner_heartbeat_timeout: float = 30.0,
        runner_run_timeout: float = 600.0,
        cwd: Path | None = None,
        ready_timeout: float = 30.0,
        profile: TargetProfile | None = None,
        extra_env: Mapping[str, str] | None = None,
    ) -> None:
        self.profile = profile or get_profile("reference")
        self.port = port or free_port(hosts[0])
        self.host = hosts[0]
        env = {**os.environ, **self.profile.server_env(
            port=self.port, data_dir=Path(data_dir), temporal_address=temporal_address)}
        if api_key:  # through the environment: command lines are visible to every user
            env["STIGMER_SERVER_API_KEY"] = api_key
        env.update(extra_env or {})
        args = list(argv)
        if self.profile.reference_flags:
            for host in hosts:
                args += ["--host", host]
            args += ["--runner-schedule-timeout", f"{runner_schedule_timeout:g}",
                     "--runner-heartbeat-timeout", f"{runner_heartbeat_timeout:g}",
                     "--runner-run-timeout", f"{runner_run_timeout:g}"]
        self.process = ManagedProcess(
            "stigmer-server", args, log_path=log_path, env=env, cwd=cwd,
            ready_probe=lambda: stigmer_ready(self.address, api_key, timeout=1.0)[0],
            ready_timeout=ready_timeout,
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> StigmerServerProcess:
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()


class TemporalDevServer:
    """Temporal's single-binary dev server (``temporal server start-dev``) on loopback."""

    def __init__(self, binary: str, *, log_path: Path, port: int | None = None,
                 ready_timeout: float = 60.0) -> None:
        self.port = port or free_port()
        args = [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                "--port", str(self.port), "--log-level", "warn"]
        # HTTP and metrics ports: the dev server picks free ones itself. Reserving them here
        # raced with the ports it picks for its internal services (seen: "bind: address
        # already in use", then a crash).
        self.process = ManagedProcess(
            "temporal", args, log_path=log_path,
            ready_probe=lambda: temporal_health(self.address, timeout=1.0)[0],
            ready_timeout=ready_timeout,
        )

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> TemporalDevServer:
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()


class RunnerProcess:
    """The agent-runner as a local process, configured with the contract's variables."""

    def __init__(self, argv: Sequence[str], *, settings: Mapping[str, str], log_path: Path,
                 cwd: Path | None = None, ready_timeout: float = 60.0,
                 ready_pattern: str = r"worker ready on task queue") -> None:
        env = {**os.environ, **settings}
        self.process = ManagedProcess(
            "agent-runner", argv, log_path=log_path, env=env, cwd=cwd,
            ready_pattern=ready_pattern, ready_timeout=ready_timeout,
        )

    def start(self) -> RunnerProcess:
        self.process.start()
        return self

    def stop(self) -> None:
        self.process.stop()
