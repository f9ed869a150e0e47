"""A Stigmer server started here (cheap, at once), the model found or started on demand, and
Temporal + agent-runner elsewhere (``services=external``).

``EmbeddedStack`` is also the base of the providers that start those services themselves
(``ComposeStack``, ``ProcessesStack``): it owns what they share -- the server, the model, the
teardown and the faults of the server and the model -- and leaves the services to them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.config import REPO_ROOT, SuiteConfig
from harness.processes import ManagedProcess, TempDir, free_port
from harness.stack.runners import choose_runner
from harness.stack.services import StigmerServerProcess
from harness.stack.stack import FaultControl, Progress, StackInfo
from harness.teardown import describe_stopper, shielded

if TYPE_CHECKING:
    from harness.stack.llm import EmbeddedOllama, LlmChoice


class EmbeddedStack:
    """A Stigmer server here, plus the LLM on demand; Temporal and the agent-runner are
    reached at ``temporal_address`` (a subclass starts them instead)."""

    provider = "external"  # how the execution services come up

    def __init__(self, config: SuiteConfig, run_dir: Path, progress: Progress = print, *,
                 llm_expected: bool = True) -> None:
        self.config = config
        self._llm_expected = llm_expected  # False: no model here, its scenarios are skipped
        self.run_dir = run_dir
        self.log_dir = run_dir / "logs"
        # The server's store holds what it is given (runtime secrets included): a temp dir
        # outside the reports, made by start() and removed when the stack stops.
        self.data_dir: Path | None = None
        self.progress = progress
        self.temporal_port = free_port()
        self._server: StigmerServerProcess | None = None
        self._stoppers: list[Callable[[], object]] = []
        self._services_ready = False
        self._services_error: BaseException | None = None
        self._llm: LlmChoice | None = None  # once the LLM is resolved
        self.info = StackInfo(server_address="", provider=self.provider,
                              log_dir=str(self.log_dir))

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the Stigmer server (it connects to Temporal lazily, when it comes up)."""
        self._choose_hosts()
        data_tmp = TempDir(prefix="stigmer-e2e-server-data-")
        self._stoppers.append(data_tmp.cleanup)
        self.data_dir = data_tmp.path
        temporal = self.config.temporal_address or f"127.0.0.1:{self.temporal_port}"
        started = time.monotonic()
        self._server = StigmerServerProcess(
            self.config.server_argv, data_dir=self.data_dir,
            log_path=self.log_dir / "stigmer-server.log", hosts=self.info.host_addresses,
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

    def _choose_hosts(self) -> None:
        """Where the services bind and how the agent-runner reaches this machine (loopback;
        a provider with containers adds the Docker gateway)."""

    def ensure_execution_services(self) -> None:
        """Bring up the LLM and the execution services once; later calls are free."""
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
            self._start_services()
            self._services_ready = True
        except BaseException as error:
            self._services_error = error
            raise

    def _start_services(self) -> None:
        """Temporal and the agent-runner run elsewhere: nothing to start."""

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
        return sorted(self.log_dir.glob("*.log")) if self.log_dir.exists() else []

    def local_pids(self) -> dict[str, int]:
        """name -> PID of every process of the stack running on this machine."""
        processes = {"stigmer-server": self._server.process if self._server else None,
                     **self._service_processes()}
        pids = {name: p.pid for name, p in processes.items()
                if p is not None and p.running() and p.pid is not None}
        handle = self._llm.handle if self._llm is not None else None
        if handle is not None and handle.running() and handle.pid:
            pids["llm"] = handle.pid
        return pids

    def _service_processes(self) -> dict[str, ManagedProcess | None]:
        return {}

    def containers(self) -> list[Any]:
        return []

    def faults(self) -> FaultControl | None:
        return self

    # -- the model ------------------------------------------------------------------------
    def _start_llm(self) -> None:
        from harness.stack.llm import resolve_llm

        started = time.monotonic()
        self.progress("[stack] looking for an Ollama API ...")
        choice = resolve_llm(
            self.config.ollama_url, self.config.model, self.config.embedded_llm,
            self.info.gateway or None, self.log_dir / "llm.log",
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
        """The agent-runner's environment, whichever way it is started."""
        return {
            "STIGMER_BACKEND_ENDPOINT": server,
            "STIGMER_API_KEY": self.config.server_api_key or self.config.api_key,
            "OLLAMA_BASE_URL": llm_url,
            "STIGMER_LLM_PROVIDER": "ollama",
            "STIGMER_LLM_MODEL": self.config.model,
            "STIGMER_LLM_TEMPERATURE": "0.0",
            "STIGMER_LLM_MAX_TOKENS": str(self.config.llm_max_tokens),
        }

    # -- faults (driven by harness.stack.faults) ------------------------------------------
    def restart_runner(self, kill: bool = True) -> None:
        """Kill (SIGKILL) or stop the agent-runner, then start it again and wait until ready."""
        raise RuntimeError("no agent-runner was started by this stack")

    def restart_temporal(self) -> None:
        """Restart Temporal on the same address (its in-memory history is lost)."""
        raise RuntimeError("no Temporal was started by this stack")

    def stop_services(self) -> None:
        """Stop Temporal and the agent-runner without removing them."""
        raise RuntimeError("no execution services were started by this stack")

    def start_services(self) -> None:
        """Start what ``stop_services`` stopped and wait until it is healthy again."""
        raise RuntimeError("no execution services were started by this stack")

    def runner_process(self) -> str:
        """Which agent-runner process runs now ('' when unknown)."""
        return ""

    def restart_server(self, kill: bool = False) -> None:
        """Stop the Stigmer server and start it again on the same address and data dir."""
        if self._server is None:
            raise RuntimeError("the Stigmer server is not started")
        self._server.process.end(kill)
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

    def _llm_handle(self) -> EmbeddedOllama:
        if self._llm is None or self._llm.handle is None:
            raise RuntimeError("the model endpoint was not started by this stack "
                               "(a real Ollama is used), so it cannot be stopped")
        return self._llm.handle

