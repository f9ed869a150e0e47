"""A person's control of a running agent execution, through the official SDK: decisions on
tool calls waiting for approval (``submitApproval``), pause, resume and terminate; and the
approval records an execution keeps (pending approvals, decisions, approval events).

No behave import, no reference import: steps and benchmarks use it alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ai.stigmer.agentic.agentexecution.v1 import enum_pb2, io_pb2
from ai.stigmer.agentic.agentexecution.v1.api_pb2 import AgentExecution
from google.protobuf.json_format import MessageToDict
from stigmer import StigmerClient

#: A person's words for the decisions -> the contract's ApprovalAction.
DECISIONS = {
    "approve": enum_pb2.APPROVAL_ACTION_APPROVE,
    "skip": enum_pb2.APPROVAL_ACTION_SKIP,
    "reject": enum_pb2.APPROVAL_ACTION_REJECT,
}
#: The approval event each decision is recorded as.
DECIDED_EVENTS = {
    "approve": "APPROVED",
    "skip": "SKIPPED",
    "reject": "REJECTED",
}


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call as the execution's transcript holds it (the AI message's request)."""

    call_id: str
    name: str
    status: str  # RUNNING, WAITING_APPROVAL, COMPLETED, SKIPPED ...
    requires_approval: bool
    approval_message: str
    decision: str  # approve / skip / reject, "" while undecided
    decided_at: str
    arguments: dict


def decision_name(action: int) -> str:
    """``APPROVAL_ACTION_SKIP`` -> ``skip`` ("" when unspecified)."""
    for name, value in DECISIONS.items():
        if value == action:
            return name
    return "approve" if action == enum_pb2.APPROVAL_ACTION_APPROVE_ALL else ""


def requested_calls(execution: AgentExecution) -> list[ToolCallRecord]:
    """The tool calls the agent asked for (AI messages), in order."""
    return [call for _, call in _calls(execution, enum_pb2.MESSAGE_AI)]


def tool_results(execution: AgentExecution) -> list[tuple[int, ToolCallRecord]]:
    """(message index, call) of every tool result (TOOL messages), in order."""
    return _calls(execution, enum_pb2.MESSAGE_TOOL)


def _calls(execution: AgentExecution, kind: int) -> list[tuple[int, ToolCallRecord]]:
    calls = []
    for index, message in enumerate(execution.status.messages):
        if message.type != kind:
            continue
        for call in message.tool_calls:
            calls.append((index, ToolCallRecord(
                call_id=call.id, name=call.name,
                status=enum_pb2.ToolCallStatus.Name(call.status).removeprefix("TOOL_CALL_"),
                requires_approval=call.requires_approval,
                approval_message=call.approval_message,
                decision=decision_name(call.approval_action),
                decided_at=call.approval_decided_at,
                arguments=MessageToDict(call.args),
            )))
    return calls


def approval_events(execution: AgentExecution) -> list[tuple[str, str]]:
    """(approval request id, event type without prefix) of every approval event, in order."""
    return [(event.approval_request_id,
             enum_pb2.ApprovalEventType.Name(event.event_type)
             .removeprefix("APPROVAL_EVENT_TYPE_"))
            for event in execution.status.approval_event_stream.events]


def approval_messages(agent: Any) -> dict[str, str]:
    """Tool name -> the message the agent's own ``tool_approval_overrides`` give the person
    asked (only the tools it marks as needing approval and that carry a message)."""
    return {override.tool_name: override.message
            for usage in agent.spec.mcp_server_usages
            for override in usage.tool_approval_overrides
            if override.requires_approval and override.tool_name and override.message}


class ExecutionControl:
    """The commands a person gives a running execution."""

    def __init__(self, client: StigmerClient) -> None:
        self._executions = client.agent_executions

    def decide(self, execution_id: str, tool_call_id: str, decision: str,
               comment: str = "") -> AgentExecution:
        """Approve, skip or reject the tool call waiting for approval."""
        return self._executions.submit_approval(io_pb2.SubmitApprovalInput(
            agent_execution_id=execution_id, tool_call_id=tool_call_id,
            action=DECISIONS[decision], comment=comment))

    def pause(self, execution_id: str, reason: str = "") -> AgentExecution:
        return self._executions.pause(io_pb2.PauseAgentExecutionInput(
            id=execution_id, reason=reason))

    def resume(self, execution_id: str) -> AgentExecution:
        return self._executions.resume(io_pb2.ResumeAgentExecutionInput(id=execution_id))

    def terminate(self, execution_id: str, reason: str = "") -> AgentExecution:
        return self._executions.terminate(io_pb2.TerminateAgentExecutionInput(
            id=execution_id, reason=reason))
