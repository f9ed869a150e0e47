"""Fault injection on a running stack, with guaranteed restoration.

``Faults`` drives a stack's fault controller (``Stack.faults()``: the provider's own
restarts, for compose and processes alike) and remembers what it broke, so that
``restore()`` -- registered as a scenario cleanup -- leaves the stack healthy for the scenarios
that follow, whatever the scenario did. No behave import, no reference import.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from harness.stack.stack import FaultControl, Stack

Progress = Callable[[str], None]


class FaultsUnsupported(RuntimeError):
    """The stack cannot inject this fault (e.g. an external Stigmer, a real Ollama)."""


def unsupported_reason(stack: Stack | None, needs_llm: bool = False,
                       needs_compose: bool = False) -> str:
    """Why faults cannot be injected into ``stack`` ('' when they can)."""
    if stack is None:
        return "no Stigmer stack"
    control = stack.faults()
    if control is None:
        return (f"the {stack.info.provider} stack cannot inject faults "
                "(it does not run the services itself)")
    if needs_llm and not control.llm_controllable():
        return "the model endpoint is a real Ollama this suite did not start: it is left alone"
    if needs_compose and stack.info.provider != "compose":
        return (f"the execution services run as {stack.info.provider}, not in containers: "
                "set STIGMER_E2E_SERVICES=compose")
    return ""


@dataclass
class Faults:
    """Break parts of a stack on purpose; ``restore()`` repairs whatever is still broken."""

    control: FaultControl
    progress: Progress = print
    timings: dict[str, float] = field(default_factory=dict)
    _broken: dict[str, Callable[[], None]] = field(default_factory=dict)

    def _timed(self, name: str, action: Callable[[], None]) -> None:
        started = time.monotonic()
        self.progress(f"[fault] {name} ...")
        action()
        self.timings[name] = time.monotonic() - started
        self.progress(f"[fault] {name}: done in {self.timings[name]:.1f}s")

    @classmethod
    def of(cls, stack: Stack, progress: Progress = print) -> Faults:
        control = stack.faults()
        if control is None:
            raise FaultsUnsupported(unsupported_reason(stack))
        return cls(control, progress)

    def runner_process(self) -> str:
        """Which agent-runner process runs now ('' when unknown): a local PID, or a
        container's main PID and start time."""
        return self.control.runner_process()

    # -- faults that repair themselves within the call ------------------------------------
    def crash_runner(self) -> None:
        """SIGKILL the agent-runner (no clean shutdown), then start a new one."""
        self._timed("agent-runner crash and restart",
                    lambda: self.control.restart_runner(kill=True))

    def restart_temporal(self) -> None:
        self._timed("Temporal restart", self.control.restart_temporal)

    def restart_server(self) -> None:
        self._timed("Stigmer server restart", self.control.restart_server)

    # -- faults that last until restored -------------------------------------------------
    def llm_away(self) -> None:
        """Stop the model endpoint until ``llm_back()`` (or ``restore()``)."""
        self._broken["llm"] = self.control.start_llm
        self._timed("model endpoint stop", self.control.stop_llm)

    def llm_back(self) -> None:
        self._repair("llm")

    def services_stopped(self) -> None:
        """Stop Temporal and the agent-runner until ``services_back()`` (or ``restore()``)."""
        self._broken["services"] = self.control.start_services
        self._timed("execution services stop", self.control.stop_services)

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
