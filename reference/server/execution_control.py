"""Human control of a live agent execution (pure logic): approval decisions, pause, resume.

* A runner asks for approval by reporting the tool call (``TOOL_CALL_WAITING_APPROVAL``), a
  ``status.pending_approvals`` entry and a REQUESTED event, in phase WAITING_FOR_APPROVAL.
* :func:`decide` records a ``submitApproval`` decision: the pending approval is removed, the
  tool call carries ``approval_action``/``approval_decided_at``/``approved_by``, a decided event
  (APPROVED, SKIPPED or REJECTED) joins ``approval_event_stream``, and the phase goes back to
  IN_PROGRESS (a paused execution stays PAUSED). The runner reads the decision and acts on it:
  APPROVE runs the tool, SKIP goes on without it. REJECT stops the execution: the caller ends
  it CANCELLED (:data:`REJECTED_MESSAGE`).
* :func:`pause` holds an execution in PAUSED (the runner waits before its next step);
  :func:`resume` returns it to the phase it would have without the pause.
"""

from __future__ import annotations

from ai.stigmer.agentic.agentexecution.v1 import api_pb2, approval_pb2, enum_pb2

from . import errors, phases
from .execution_lifecycle import require_live

Status = api_pb2.AgentExecutionStatus

DECIDED_EVENTS = {
    enum_pb2.APPROVAL_ACTION_APPROVE: enum_pb2.APPROVAL_EVENT_TYPE_APPROVED,
    enum_pb2.APPROVAL_ACTION_APPROVE_ALL: enum_pb2.APPROVAL_EVENT_TYPE_APPROVED,
    enum_pb2.APPROVAL_ACTION_SKIP: enum_pb2.APPROVAL_EVENT_TYPE_SKIPPED,
    enum_pb2.APPROVAL_ACTION_REJECT: enum_pb2.APPROVAL_EVENT_TYPE_REJECTED,
}
REJECTED_MESSAGE = "Execution cancelled: the call to {tool} was rejected"
DECIDED_BY = "user"


def _copy(status: Status) -> Status:
    copy = Status()
    copy.CopyFrom(status)
    return copy


def _request_id(status: Status, tool_call_id: str) -> str:
    for event in status.approval_event_stream.events:
        if event.requested.tool_call_id == tool_call_id:
            return event.approval_request_id
    return f"approval-{tool_call_id}"


def _record_on_tool_calls(status: Status, tool_call_id: str, action: int, now: str) -> None:
    for message in status.messages:
        for call in message.tool_calls:
            if call.id == tool_call_id:
                call.approval_action = action  # type: ignore[assignment]
                call.approval_decided_at = now
                call.approved_by = DECIDED_BY
                if action == enum_pb2.APPROVAL_ACTION_REJECT:
                    call.status = enum_pb2.TOOL_CALL_SKIPPED


def decide(
    current: Status, execution_id: str, tool_call_id: str, action: int, comment: str, now: str
) -> tuple[Status, approval_pb2.PendingApproval]:
    """``current`` with the decision on ``tool_call_id`` recorded; and the approval decided.

    Raises INVALID_ARGUMENT for an unspecified action, FAILED_PRECONDITION when the execution
    is final or does not wait for a decision on that tool call.
    """
    if action not in DECIDED_EVENTS:
        raise errors.invalid("action is required: APPROVAL_ACTION_APPROVE, _SKIP or _REJECT")
    require_live(phases.RULES, current.phase)
    pending = [p for p in current.pending_approvals if p.tool_call_id == tool_call_id]
    if not pending:
        waiting = ", ".join(p.tool_call_id for p in current.pending_approvals) or "none"
        raise errors.failed_precondition(
            f"Agent execution {execution_id} does not wait for a decision on tool call "
            f"{tool_call_id!r} (pending: {waiting})")
    decided = _copy(current)
    kept = [p for p in decided.pending_approvals if p.tool_call_id != tool_call_id]
    del decided.pending_approvals[:]
    decided.pending_approvals.extend(kept)
    _record_on_tool_calls(decided, tool_call_id, action, now)
    request_id = _request_id(decided, tool_call_id)
    decided.approval_event_stream.execution_id = execution_id
    decided.approval_event_stream.events.append(approval_pb2.ApprovalEvent(
        event_id=f"{request_id}-decided", approval_request_id=request_id,
        event_type=DECIDED_EVENTS[action], timestamp=now, actor=DECIDED_BY,  # type: ignore[index]
        decided=approval_pb2.ApprovalDecision(
            approval_request_id=request_id, action=action,  # type: ignore[arg-type]
            decided_at=now, decided_by=DECIDED_BY, comment=comment),
    ))
    if decided.phase == phases.WAITING_FOR_APPROVAL and not kept:
        decided.phase = phases.IN_PROGRESS
    return decided, pending[0]


def pause(current: Status) -> Status:
    """PAUSED; an execution already paused is returned unchanged."""
    require_live(phases.RULES, current.phase)
    if current.phase == phases.PAUSED:
        return current
    paused = _copy(current)
    paused.phase = phases.PAUSED
    return paused


def resume(current: Status, execution_id: str) -> Status:
    """Back from PAUSED: WAITING_FOR_APPROVAL when decisions are pending, else IN_PROGRESS
    (PENDING when the runner never started)."""
    require_live(phases.RULES, current.phase)
    if current.phase != phases.PAUSED:
        raise errors.failed_precondition(
            f"Agent execution {execution_id} is {phases.name(current.phase)}, not PAUSED")
    resumed = _copy(current)
    if current.pending_approvals:
        resumed.phase = phases.WAITING_FOR_APPROVAL
    else:
        resumed.phase = phases.IN_PROGRESS if current.started_at else phases.PENDING
    return resumed
