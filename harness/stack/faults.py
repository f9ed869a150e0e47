"""Fault injection on a running stack, with guaranteed restoration.

``Faults`` wraps a stack's fault methods (``EmbeddedStack.restart_runner`` & co., for both
providers) and remembers what it broke, so that ``restore()`` -- registered as a scenario
cleanup -- leaves the stack healthy for the scenarios that follow, whatever the scenario did.
No behave import, no reference import.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Progress = Callable[[str], None]

FAULT_METHODS = ("restart_runner", "restart_temporal", "restart_server", "stop_llm",
                 "start_llm", "stop_services", "start_services")


class FaultsUnsupported(RuntimeError):
    """The stack cannot inject this fault (e.g. an external Stigmer, a real Ollama)."""


def runner_process(stack: Any) -> str:
    """Which agent-runner process runs now, as the stack sees it ('' when unknown): the local
    PID, or the container's main PID and start time (a restarted container keeps its name
    and often its PID inside, never its PID on the host)."""
    pids = stack.local_pids() if hasattr(stack, "local_pids") else {}
    if "agent-runner" in pids:
        return f"pid {pids['agent-runner']}"
    compose = getattr(stack, "_compose", None)
    if compose is None:
        return ""
    from harness.stack.compose import PROJECT_LABEL, SERVICE_LABEL
    from harness.stack.docker_engine import docker_client

    client = docker_client(timeout=10)
    try:
        containers = client.containers.list(filters={"label": [
            f"{PROJECT_LABEL}={compose.project_name}", f"{SERVICE_LABEL}=agent-runner"]})
        states = [c.attrs.get("State", {}) for c in containers]
    finally:
        client.close()
    return ", ".join(f"container pid {st.get('Pid')} started {st.get('StartedAt')}"
                     for st in states if st.get("Running"))


def unsupported_reason(stack: Any, needs_llm: bool = False, needs_compose: bool = False) -> str:
    """Why faults cannot be injected into ``stack`` ('' when they can)."""
    if stack is None:
        return "no Stigmer stack"
    missing = [name for name in FAULT_METHODS if not hasattr(stack, name)]
    if missing:
        return (f"the {getattr(stack.info, 'provider', '?')} stack cannot inject faults "
                "(it does not run the services itself)")
    if needs_llm and not stack.llm_controllable():
        return "the model endpoint is a real Ollama this suite did not start: it is left alone"
    if needs_compose and getattr(stack, "provider", "") != "compose":
        return (f"the execution services run as {stack.provider}, not in containers: "
                "set STIGMER_E2E_SERVICES=compose")
    return ""


@dataclass
class Faults:
    """Break parts of a stack on purpose; ``restore()`` repairs whatever is still broken."""

    stack: Any
    progress: Progress = print
    timings: dict[str, float] = field(default_factory=dict)
    _broken: dict[str, Callable[[], None]] = field(default_factory=dict)

    def _timed(self, name: str, action: Callable[[], None]) -> None:
        started = time.monotonic()
        self.progress(f"[fault] {name} ...")
        action()
        self.timings[name] = time.monotonic() - started
        self.progress(f"[fault] {name}: done in {self.timings[name]:.1f}s")

    # -- faults that repair themselves within the call ------------------------------------
    def crash_runner(self) -> None:
        """SIGKILL the agent-runner (no clean shutdown), then start a new one."""
        self._timed("agent-runner crash and restart",
                    lambda: self.stack.restart_runner(kill=True))

    def restart_temporal(self) -> None:
        self._timed("Temporal restart", self.stack.restart_temporal)

    def restart_server(self) -> None:
        self._timed("Stigmer server restart", self.stack.restart_server)

    # -- faults that last until restored -------------------------------------------------
    def llm_away(self) -> None:
        """Stop the model endpoint until ``llm_back()`` (or ``restore()``)."""
        self._broken["llm"] = self.stack.start_llm
        self._timed("model endpoint stop", self.stack.stop_llm)

    def llm_back(self) -> None:
        self._repair("llm")

    def services_stopped(self) -> None:
        """Stop Temporal and the agent-runner until ``services_back()`` (or ``restore()``)."""
        self._broken["services"] = self.stack.start_services
        self._timed("execution services stop", self.stack.stop_services)

    def services_back(self) -> None:
        self._repair("services")

    def _repair(self, name: str) -> None:
        repair = self._broken.pop(name, None)
        if repair is not None:
            self._timed(f"{name} restore", repair)

    def broken(self) -> list[str]:
        return sorted(self._broken)

    def restore(self) -> None:
        """Repair everything still broken; raises the first failure after trying all."""
        errors: list[BaseException] = []
        for name in list(self._broken):
            try:
                self._repair(name)
            except Exception as error:
                self.progress(f"[fault] could not restore {name}: {error}")
                errors.append(error)
        if errors:
            raise RuntimeError(f"the stack could not be restored after a fault: {errors[0]}") \
                from errors[0]
