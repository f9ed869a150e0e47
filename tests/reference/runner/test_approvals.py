"""Which tools wait for approval (agent overrides, pinned server approvals) and the wait."""

from __future__ import annotations

import asyncio

from ai.stigmer.agentic.agent.v1 import spec_pb2 as agent_spec
from ai.stigmer.agentic.agentexecution.v1 import api_pb2, approval_pb2, enum_pb2
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api

from reference.runner.approvals import ExecutionControl, approval_policy, request_id


def test_agent_overrides_and_pinned_approvals() -> None:
    server = mcp_api.McpServer()
    server.spec.pinned_tool_approvals.add(tool_name="delete", message="Deleting!")
    usage = agent_spec.McpServerUsage(tool_approval_overrides=[
        agent_spec.ToolApprovalOverride(tool_name="add", requires_approval=True),
        agent_spec.ToolApprovalOverride(tool_name="get_time", requires_approval=False),
        agent_spec.ToolApprovalOverride(tool_name="delete", requires_approval=False),
    ])
    policy = approval_policy(server, usage)
    assert sorted(policy) == ["add", "delete"]  # a pinned approval cannot be waived
    assert policy["delete"].message == "Deleting!"
    assert policy["delete"].source == enum_pb2.APPROVAL_POLICY_SOURCE_PINNED_OVERRIDE
    assert policy["add"].source == enum_pb2.APPROVAL_POLICY_SOURCE_AGENT_OVERRIDE
    assert policy["add"].message


class Backend:
    """Answers get_execution with the next of ``phases`` (the last one repeats)."""

    def __init__(self, *statuses: api_pb2.AgentExecutionStatus) -> None:
        self.statuses = list(statuses)
        self.gets = 0

    async def get_execution(self, execution_id: str) -> api_pb2.AgentExecution:
        status = self.statuses[min(self.gets, len(self.statuses) - 1)]
        self.gets += 1
        return api_pb2.AgentExecution(status=status)


def test_checkpoint_holds_while_paused_and_decision_waits() -> None:
    paused = api_pb2.AgentExecutionStatus(phase=enum_pb2.EXECUTION_PAUSED)
    running = api_pb2.AgentExecutionStatus(phase=enum_pb2.EXECUTION_IN_PROGRESS)
    backend = Backend(paused, paused, running)
    asyncio.run(ExecutionControl(backend, "aex-1", poll_s=0).checkpoint())  # type: ignore[arg-type]
    assert backend.gets == 3
    decided = api_pb2.AgentExecutionStatus(phase=enum_pb2.EXECUTION_IN_PROGRESS)
    decided.approval_event_stream.events.add(
        approval_request_id=request_id("c1"), event_type=enum_pb2.APPROVAL_EVENT_TYPE_SKIPPED,
        decided=approval_pb2.ApprovalDecision(action=enum_pb2.APPROVAL_ACTION_SKIP))
    backend = Backend(running, decided)
    control = ExecutionControl(backend, "aex-1", poll_s=0)  # type: ignore[arg-type]
    decision = asyncio.run(control.decision(request_id("c1")))
    assert decision.action == enum_pb2.APPROVAL_ACTION_SKIP
