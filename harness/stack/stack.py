"""The Stigmer stack the specs run against, behind one interface.

``Stack`` is everything a caller may ask of a stack: where it is (``info``), start it, bring
up the execution services, its service logs, its processes on this machine, its containers,
its fault controller, stop it. One class per provider implements it:

* ``EmbeddedStack`` (``embedded.py``): a Stigmer server here, Temporal and the agent-runner
  elsewhere (``services=external``); the base of the two that start them too:
* ``ComposeStack`` (``compose_stack.py``): Temporal + agent-runner with docker compose;
* ``ProcessesStack`` (``process_stack.py``): the same services as local processes;
* ``ExternalStack`` (``external.py``): an already running Stigmer, nothing started;
* ``AttachedStack`` (``shared.py``): a stack another process started (parallel workers).

``harness.stack.build.build_stack`` is the one place that chooses among them; the specs cannot
tell them apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

Progress = Callable[[str], None]
LOOPBACK = "127.0.0.1"


@dataclass
class StackInfo:
    """Where everything is, and the sentences that explain the choices made."""

    server_address: str
    provider: str
    temporal_address: str = ""
    llm_url: str = ""
    llm_source: str = ""
    runner_host: str = LOOPBACK  # how the agent-runner reaches this machine
    host_addresses: list[str] = field(default_factory=lambda: [LOOPBACK])  # to bind on
    notes: list[str] = field(default_factory=list)
    log_dir: str = ""  # where the services write their logs ("" when not on this machine)
    compose_project: str = ""  # the compose project of the execution services, if any
    compose_files: list[str] = field(default_factory=list)

    @property
    def gateway(self) -> str:
        """The Docker bridge gateway the services also bind on ('' when none)."""
        return next((host for host in self.host_addresses if host != LOOPBACK), "")


class FaultControl(Protocol):
    """Breaking and repairing the parts of a stack that runs them (``harness.stack.faults``)."""

    def restart_runner(self, kill: bool = True) -> None: ...
    def restart_temporal(self) -> None: ...
    def restart_server(self, kill: bool = False) -> None: ...
    def stop_llm(self) -> None: ...
    def start_llm(self) -> None: ...
    def llm_controllable(self) -> bool: ...
    def stop_services(self) -> None: ...
    def start_services(self) -> None: ...
    def runner_process(self) -> str: ...


class Stack(Protocol):
    """What every provider offers; callers use nothing else."""

    info: StackInfo

    def start(self) -> None: ...
    def ensure_execution_services(self) -> None: ...
    def log_files(self) -> list[Path]:
        """Every service log there is now (compose: collected first)."""
    def local_pids(self) -> dict[str, int]:
        """name -> PID of the stack's processes on this machine ({} when none)."""
    def containers(self) -> list[Any]:
        """The stack's containers (docker SDK objects; [] when none)."""
    def faults(self) -> FaultControl | None:
        """The fault controller, or None when this stack does not run the services."""
    def stop(self) -> None: ...


class RemoteStack:
    """The part of a stack this process does not run (an external Stigmer, a shared stack):
    nothing is started, stopped or broken here, and none of its processes or containers are
    this process's own."""

    info: StackInfo

    def start(self) -> None:
        return None

    def local_pids(self) -> dict[str, int]:
        return {}

    def containers(self) -> list[Any]:
        return []

    def faults(self) -> FaultControl | None:
        return None

    def stop(self) -> None:
        return None
