"""Pure rules: how updateStatus merges workflow-execution status; which hosts HTTP may call."""

from __future__ import annotations

import pytest
from ai.stigmer.agentic.workflowexecution.v1 import api_pb2

from reference.runner.workflow.activities import redact
from reference.runner.workflow.http_guard import HostNotAllowed, check_url
from reference.server import workflow_status as ws

Status = api_pb2.WorkflowExecutionStatus
Task = api_pb2.WorkflowTask


def test_tasks_are_upserted_by_id_and_phase_moves_forward() -> None:
    current = Status(phase=ws.PENDING)
    first = ws.merge(current, Status(phase=ws.IN_PROGRESS, tasks=[
        Task(task_id="a", status=2), Task(task_id="b", status=2)]), "t1")
    assert first.started_at == "t1" and [t.task_id for t in first.tasks] == ["a", "b"]
    second = ws.merge(first, Status(phase=ws.PENDING, tasks=[Task(task_id="a", status=3)]), "t2")
    assert second.phase == ws.IN_PROGRESS
    assert [(t.task_id, t.status) for t in second.tasks] == [("a", 3), ("b", 2)]
    done = ws.merge(second, Status(phase=ws.COMPLETED, error=""), "t3")
    assert done.completed_at == "t3"
    assert ws.merge(done, Status(), "t4") is done
    with pytest.raises(ws.TerminalPhaseError):
        ws.merge(done, Status(tasks=[Task(task_id="c")]), "t5")
    with pytest.raises(ws.TerminalPhaseError):
        ws.finish(done, ws.CANCELLED, "late", "t6")


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://localhost/", "http://[::1]:80/",
                                 "http://host.docker.internal:8080/items"])
def test_loopback_and_gateway_are_allowed(url: str) -> None:
    assert check_url(url, extra=[]) == url


@pytest.mark.parametrize("url", ["http://example.com/", "https://8.8.8.8/", "http://10.0.0.1/",
                                 "file:///etc/passwd"])
def test_everything_else_is_refused(url: str) -> None:
    with pytest.raises(HostNotAllowed):
        check_url(url, extra=[])


def test_extra_hosts_and_redaction() -> None:
    assert check_url("http://api.internal/", extra=["api.internal"])
    assert redact({"a": ["tok-123 here"], "b": 1}, {"T": "tok-123"}) == {
        "a": ["******** here"], "b": 1}
