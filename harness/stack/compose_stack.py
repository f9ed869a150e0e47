"""The compose provider: a Stigmer server here, Temporal + agent-runner in a docker compose
project of their own (``harness.stack.compose``), reaching the host on the Docker gateway."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from harness.config import REPO_ROOT
from harness.stack.compose import PROJECT_LABEL, SERVICE_LABEL, ComposeProject, unique_project_name
from harness.stack.docker_engine import bridge_gateway, docker_client
from harness.stack.embedded import EmbeddedStack
from harness.stack.runners import STIGMER_RUNNER_COMPOSE_FILE, choose_runner

CONTAINER_HOST = "host.docker.internal"


def docker_gateway() -> str:
    """The Docker bridge gateway address containers reach the host on (host-gateway)."""
    client = docker_client(timeout=5)
    try:
        gateway = bridge_gateway(client)
    finally:
        client.close()
    if not gateway:
        raise RuntimeError("the Docker bridge network has no IPv4 gateway: containers cannot "
                           "reach the host (is dockerd running with --bridge=none?)")
    return gateway


class ComposeStack(EmbeddedStack):
    """Temporal + agent-runner as containers of one compose project."""

    provider = "compose"
    _compose: ComposeProject | None = None

    def _choose_hosts(self) -> None:
        gateway = docker_gateway()
        self.info.runner_host = CONTAINER_HOST
        self.info.host_addresses = ["127.0.0.1", gateway]

    def _start_services(self) -> None:
        started = time.monotonic()
        server_port = self.info.server_address.rsplit(":", 1)[1]
        llm_url = self.info.llm_url.replace("127.0.0.1", CONTAINER_HOST).replace(
            "localhost", CONTAINER_HOST)
        if self.info.gateway:
            llm_url = llm_url.replace(self.info.gateway, CONTAINER_HOST)
        env = self._runner_settings(f"{CONTAINER_HOST}:{server_port}", llm_url)
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
        self.info.compose_project = project
        self.info.compose_files = [str(f) for f in compose.files]
        self._stoppers.append(compose.down)
        self._stoppers.append(lambda: compose.logs(self.log_dir))
        compose.up()
        self.info.notes.append(
            f"Temporal + agent-runner with docker compose project {project} "
            f"in {time.monotonic() - started:.1f}s")

    def log_files(self) -> list[Path]:
        if self._compose is not None:
            try:
                self._compose.logs(self.log_dir)
            except Exception as error:
                self.progress(f"[stack] could not collect compose logs: {error}")
        return super().log_files()

    def containers(self) -> list[Any]:
        return self._compose.containers() if self._compose is not None else []

    # -- faults ---------------------------------------------------------------------------
    def _project(self) -> ComposeProject:
        if self._compose is None:
            raise RuntimeError("the execution services were not started by this stack")
        return self._compose

    def restart_runner(self, kill: bool = True) -> None:
        self._project().run("kill" if kill else "stop", "agent-runner", timeout=30)
        self._up("agent-runner")

    def restart_temporal(self) -> None:
        """The server and the agent-runner reconnect by themselves."""
        self._project().run("restart", "-t", "2", "temporal", timeout=60)
        self._up("temporal", "agent-runner")

    def stop_services(self) -> None:
        """Stop the containers, as when the container engine stops them."""
        self._project().run("stop", "-t", "2", timeout=60)

    def start_services(self) -> None:
        self._up()

    def runner_process(self) -> str:
        """The container's main PID and start time (a restarted container keeps its name and
        often its PID inside, never its PID on the host)."""
        client = docker_client(timeout=10)
        try:
            containers = client.containers.list(filters={"label": [
                f"{PROJECT_LABEL}={self._project().project_name}",
                f"{SERVICE_LABEL}=agent-runner"]})
            states = [c.attrs.get("State", {}) for c in containers]
        finally:
            client.close()
        return ", ".join(f"container pid {st.get('Pid')} started {st.get('StartedAt')}"
                         for st in states if st.get("Running"))

    def _up(self, *services: str) -> None:
        wait = str(int(self.config.stack_timeout))
        self._project().run("up", "-d", "--no-recreate", "--wait", "--wait-timeout", wait,
                            *services, timeout=self.config.stack_timeout + 60)
