"""Approval decisions, pause and resume on an execution status (pure logic)."""

from __future__ import annotations

import pytest
from ai.stigmer.agentic.agentexecution.v1 import api_pb2, approval_pb2, enum_pb2, message_pb2

from reference.server import execution_control, phases, status_merge
from reference.server.errors import ServiceError
from reference.server.execution_lifecycle import TerminalPhaseError

NOW = "2026-12-02T04:00:00.000Z"


def waiting() -> api_pb2.AgentExecutionStatus:
    status = api_pb2.AgentExecutionStatus(phase=phases.WAITING_FOR_APPROVAL, started_at=NOW)
    status.messages.append(message_pb2.AgentMessage(
        type=enum_pb2.MESSAGE_AI, tool_calls=[message_pb2.ToolCall(
            id="call-0-0", name="add", status=enum_pb2.TOOL_CALL_WAITING_APPROVAL)]))
    status.pending_approvals.append(approval_pb2.PendingApproval(
        tool_call_id="call-0-0", tool_name="add"))
    status.approval_event_stream.events.append(approval_pb2.ApprovalEvent(
        event_id="r-requested", approval_request_id="r",
        event_type=enum_pb2.APPROVAL_EVENT_TYPE_REQUESTED,
        requested=approval_pb2.ApprovalRequest(approval_request_id="r", tool_call_id="call-0-0")))
    return status


@pytest.mark.parametrize(("action", "event"), [
    (enum_pb2.APPROVAL_ACTION_APPROVE, enum_pb2.APPROVAL_EVENT_TYPE_APPROVED),
    (enum_pb2.APPROVAL_ACTION_SKIP, enum_pb2.APPROVAL_EVENT_TYPE_SKIPPED),
    (enum_pb2.APPROVAL_ACTION_REJECT, enum_pb2.APPROVAL_EVENT_TYPE_REJECTED),
])
def test_a_decision_is_recorded(action: int, event: int) -> None:
    decided, approval = execution_control.decide(waiting(), "aex-1", "call-0-0", action, "ok",
                                                 NOW)
    assert approval.tool_name == "add"
    assert list(decided.pending_approvals) == []
    assert decided.phase == phases.IN_PROGRESS
    call = decided.messages[0].tool_calls[0]
    assert (call.approval_action, call.approval_decided_at) == (action, NOW)
    events = decided.approval_event_stream.events
    assert [(e.approval_request_id, e.event_type) for e in events] == [
        ("r", enum_pb2.APPROVAL_EVENT_TYPE_REQUESTED), ("r", event)]
    assert events[1].decided.comment == "ok"


def test_a_decision_needs_a_pending_call_and_an_action() -> None:
    with pytest.raises(ServiceError, match="does not wait"):
        execution_control.decide(waiting(), "aex-1", "call-9", enum_pb2.APPROVAL_ACTION_APPROVE,
                                 "", NOW)
    with pytest.raises(ServiceError, match="action is required"):
        execution_control.decide(waiting(), "aex-1", "call-0-0", 0, "", NOW)
    done = status_merge.finish(waiting(), phases.TERMINATED, "stop", NOW)
    with pytest.raises(TerminalPhaseError):
        execution_control.decide(done, "aex-1", "call-0-0", enum_pb2.APPROVAL_ACTION_APPROVE,
                                 "", NOW)


def test_a_decision_while_paused_keeps_it_paused() -> None:
    paused = execution_control.pause(waiting())
    decided, _ = execution_control.decide(paused, "aex-1", "call-0-0",
                                          enum_pb2.APPROVAL_ACTION_APPROVE, "", NOW)
    assert decided.phase == phases.PAUSED
    assert execution_control.resume(decided, "aex-1").phase == phases.IN_PROGRESS


def test_pause_and_resume() -> None:
    paused = execution_control.pause(waiting())
    assert paused.phase == phases.PAUSED
    assert execution_control.pause(paused) is paused
    assert execution_control.resume(paused, "aex-1").phase == phases.WAITING_FOR_APPROVAL
    fresh = api_pb2.AgentExecutionStatus(phase=phases.PENDING)
    assert execution_control.resume(execution_control.pause(fresh), "x").phase == phases.PENDING
    with pytest.raises(ServiceError, match="not PAUSED"):
        execution_control.resume(waiting(), "aex-1")


def test_runner_updates_do_not_leave_paused_and_keep_decisions() -> None:
    paused = execution_control.pause(waiting())
    decided, _ = execution_control.decide(paused, "aex-1", "call-0-0",
                                          enum_pb2.APPROVAL_ACTION_APPROVE, "", NOW)
    update = api_pb2.AgentExecutionStatus(phase=phases.IN_PROGRESS)
    update.approval_event_stream.CopyFrom(waiting().approval_event_stream)
    merged = status_merge.merge(decided, update, NOW)
    assert merged.phase == phases.PAUSED
    assert len(merged.approval_event_stream.events) == 2
    completed = status_merge.merge(merged, api_pb2.AgentExecutionStatus(
        phase=phases.COMPLETED), NOW)
    assert completed.phase == phases.COMPLETED
