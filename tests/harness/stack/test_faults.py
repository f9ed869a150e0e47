"""harness.stack.faults: what is broken gets repaired, and unsupported stacks are explained."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.stack.faults import FAULT_METHODS, Faults, unsupported_reason


class FakeStack:
    provider = "processes"
    info = SimpleNamespace(provider="processes")

    def __init__(self, controllable: bool = True) -> None:
        self.calls: list[str] = []
        self.controllable = controllable
        for name in FAULT_METHODS:
            setattr(self, name, lambda name=name, **_: self.calls.append(name))

    def llm_controllable(self) -> bool:
        return self.controllable


def test_restore_repairs_what_is_still_broken() -> None:
    stack = FakeStack()
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
    stack = FakeStack()
    faults = Faults(stack, progress=lambda _m: None)
    faults.llm_away()
    faults.llm_back()
    faults.restore()
    assert stack.calls == ["stop_llm", "start_llm"]


def test_restore_tries_everything_then_raises() -> None:
    stack = FakeStack()

    def broken_start() -> None:
        raise OSError("port in use")

    stack.start_llm = broken_start
    faults = Faults(stack, progress=lambda _m: None)
    faults.llm_away()
    faults.services_stopped()
    with pytest.raises(RuntimeError, match="port in use"):
        faults.restore()
    assert stack.calls[-1] == "start_services"


def test_unsupported_reasons() -> None:
    assert unsupported_reason(None) == "no Stigmer stack"
    assert "cannot inject" in unsupported_reason(SimpleNamespace(info=SimpleNamespace(
        provider="external")))
    assert unsupported_reason(FakeStack()) == ""
    assert "real Ollama" in unsupported_reason(FakeStack(controllable=False), needs_llm=True)
    assert "STIGMER_E2E_SERVICES=compose" in unsupported_reason(FakeStack(), needs_compose=True)
