"""ExecutionContextQueryController.getByExecutionId: what the PyPI agent-runner reads."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from ai.stigmer.agentic.agentexecution.v1 import api_pb2
from ai.stigmer.agentic.executioncontext.v1 import io_pb2

from reference.server import errors, execution_contexts


class FakeStore:
    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        yield None


def _service(monkeypatch: pytest.MonkeyPatch, execution: api_pb2.AgentExecution,
             seen: list[Any]) -> execution_contexts.ExecutionContextService:
    def by_id(tx: Any, kind: Any, resource_id: str) -> tuple[None, api_pb2.AgentExecution]:
        seen.append((kind.key, resource_id))
        return None, execution

    monkeypatch.setattr(execution_contexts.lookup, "by_id", by_id)
    return execution_contexts.ExecutionContextService(FakeStore())  # type: ignore[arg-type]


def test_the_context_holds_the_executions_runtime_values(monkeypatch) -> None:
    execution = api_pb2.AgentExecution()
    execution.metadata.org = "acme"
    execution.spec.runtime_env["API_TOKEN"].value = "s3cr3t"
    execution.spec.runtime_env["API_TOKEN"].is_secret = True
    seen: list[Any] = []
    context = _service(monkeypatch, execution, seen).get_by_execution_id(
        io_pb2.ExecutionContextExecutionIdInput(execution_id="aex-01ABC"))
    assert seen == [("agent_execution", "aex-01ABC")]
    assert context.kind == "ExecutionContext" and context.metadata.org == "acme"
    assert context.spec.execution_id == "aex-01ABC"
    assert context.spec.data["API_TOKEN"].value == "s3cr3t"
    assert context.spec.data["API_TOKEN"].is_secret


def test_no_runtime_values_means_no_context(monkeypatch) -> None:
    service = _service(monkeypatch, api_pb2.AgentExecution(), [])
    with pytest.raises(errors.ServiceError) as info:
        service.get_by_execution_id(io_pb2.ExecutionContextExecutionIdInput(execution_id="aex-1"))
    assert "no execution context" in info.value.message
