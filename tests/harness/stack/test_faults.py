"""harness.stack.faults: what is broken gets repaired, and unsupported stacks are explained."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.config import SuiteConfig
from harness.stack.external import ExternalStack
from harness.stack.faults import Faults, FaultsUnsupported, unsupported_reason
from harness.stack.stack import FaultControl, StackInfo


class FakeControl:
    """A provider's fault controller that records what it was asked."""

    def __init__(self, controllable: bool = True) -> None:
        self.calls: list[str] = []
        self.controllable = controllable

    def _call(self, name: str) -> None:
        self.calls.append(name)

    def restart_runner(self, kill: bool = True) -> None:
        self._call("restart_runner")

    def restart_temporal(self) -> None:
        self._call("restart_temporal")

    def restart_server(self, kill: bool = False) -> None:
        self._call("restart_server")

    def stop_llm(self) -> None:
        self._call("stop_llm")

    def start_llm(self) -> None:
        self._call("start_llm")

    def llm_controllable(self) -> bool:
        return self.controllable

    def stop_services(self) -> None:
        self._call("stop_services")

    def start_services(self) -> None:
        self._call("start_services")

    def runner_process(self) -> str:
        return "pid 42"


class FakeStack:
    """A stack that runs its services (processes provider)."""

    def __init__(self, controllable: bool = True) -> None:
        self.info = StackInfo(server_address="127.0.0.1:1", provider="processes")
        self.control = FakeControl(controllable)

    def start(self) -> None: ...
    def ensure_execution_services(self) -> None: ...
    def stop(self) -> None: ...

    def log_files(self) -> list[Path]:
        return []

    def local_pids(self) -> dict[str, int]:
        return {}

    def containers(self) -> list[Any]:
        return []

    def faults(self) -> FaultControl | None:
        return self.control


def test_restore_repairs_what_is_still_broken() -> None:
    stack = FakeControl()
    faults = Faults(stack, progress=lambda _m: None)
    faults.llm_away()
    faults.services_stopped()
    assert faults.broken() == ["llm", "services"]
    faults.restore()
    assert stack.calls == ["stop_llm", "stop_services", "start_llm", "start_services"]
    assert faults.broken() == []
    faults.restore()  # nothing left: no call
    assert len(stack.calls) == 4


def test_a_repair_done_in_the_scenario_is_not_repeated() -> None:
    stack = FakeControl()
    faults = Faults(stack, progress=lambda _m: None)
    faults.llm_away()
    faults.llm_back()
    faults.restore()
    assert stack.calls == ["stop_llm", "start_llm"]


def test_restore_tries_everything_then_raises() -> None:
    stack = FakeControl()

    def broken_start() -> None:
        raise OSError("port in use")

    stack.start_llm = broken_start  # type: ignore[method-assign]
    faults = Faults(stack, progress=lambda _m: None)
    faults.llm_away()
    faults.services_stopped()
    with pytest.raises(RuntimeError, match="port in use"):
        faults.restore()
    assert stack.calls[-1] == "start_services"


def test_unsupported_reasons() -> None:
    assert unsupported_reason(None) == "no Stigmer stack"
    assert "cannot inject" in unsupported_reason(ExternalStack(SuiteConfig(
        target="external", server_address="127.0.0.1:1")))
    assert unsupported_reason(FakeStack()) == ""
    assert "real Ollama" in unsupported_reason(FakeStack(controllable=False), needs_llm=True)
    assert "STIGMER_E2E_SERVICES=compose" in unsupported_reason(FakeStack(), needs_compose=True)


def test_faults_of_a_stack_use_its_controller_or_explain_why_not() -> None:
    stack = FakeStack()
    faults = Faults.of(stack, progress=lambda _m: None)
    faults.crash_runner()
    assert stack.control.calls == ["restart_runner"]
    assert faults.runner_process() == "pid 42"
    with pytest.raises(FaultsUnsupported, match="cannot inject faults"):
        Faults.of(ExternalStack(SuiteConfig(target="external", server_address="127.0.0.1:1")))
