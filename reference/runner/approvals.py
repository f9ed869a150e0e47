"""Human approval of tool calls: which tools need it, and waiting for the user's decision.

Which tools need approval comes from the contract's own fields: an MCP server's
``spec.pinned_tool_approvals`` (always asked, whatever the agent says) and an agent's
``mcp_server_usages[].tool_approval_overrides`` with ``requires_approval``. An execution
created with ``spec.auto_approve_all`` asks for nothing.

The decision arrives through the server (``submitApproval``) and is read from the
execution's ``status.approval_event_stream``; :class:`ExecutionControl` also holds the runner
while the user has the execution PAUSED, and stops it once the execution is final.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ai.stigmer.agentic.agent.v1 import spec_pb2 as agent_spec
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentexecution.v1 import approval_pb2
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api

from .backend import Backend
from .errors import ExecutionStopped
from .messages import TERMINAL_PHASES, phase_name

log = logging.getLogger(__name__)

POLL_S = 0.2
DECIDED = (enums.APPROVAL_EVENT_TYPE_APPROVED, enums.APPROVAL_EVENT_TYPE_SKIPPED,
           enums.APPROVAL_EVENT_TYPE_REJECTED)


@dataclass(frozen=True)
class ToolApproval:
    """A tool that waits for the user: what to tell them, and which rule asked for it."""

    message: str
    source: int = enums.APPROVAL_POLICY_SOURCE_AGENT_OVERRIDE


def approval_policy(
    server: mcp_api.McpServer, usage: agent_spec.McpServerUsage
) -> dict[str, ToolApproval]:
    """Tool name -> approval, for the tools of ``server`` as ``usage`` uses them."""
    policy: dict[str, ToolApproval] = {}
    for override in usage.tool_approval_overrides:
        if override.requires_approval and override.tool_name:
            policy[override.tool_name] = ToolApproval(
                override.message or f"{override.tool_name} needs your approval")
    for pinned in server.spec.pinned_tool_approvals:
        if pinned.tool_name:
            policy[pinned.tool_name] = ToolApproval(
                pinned.message or f"{pinned.tool_name} needs your approval",
                enums.APPROVAL_POLICY_SOURCE_PINNED_OVERRIDE)
    return policy


def merged_policy(policies: Iterable[Mapping[str, ToolApproval]]) -> dict[str, ToolApproval]:
    """One tool -> approval map over several servers."""
    merged: dict[str, ToolApproval] = {}
    for policy in policies:
        merged.update(policy)
    return merged


def request_id(tool_call_id: str) -> str:
    """The approval request id of a tool call (unique within its execution)."""
    return f"approval-{tool_call_id}"


class ExecutionControl:
    """The user's hold on a running execution, read from the backend's record."""

    def __init__(self, backend: Backend, execution_id: str, poll_s: float = POLL_S) -> None:
        self._backend = backend
        self.execution_id = execution_id
        self._poll_s = poll_s

    async def _current(self) -> execution_api.AgentExecution:
        execution = await self._backend.get_execution(self.execution_id)
        if execution.status.phase in TERMINAL_PHASES:
            raise ExecutionStopped(f"the execution is {phase_name(execution.status.phase)}")
        return execution

    async def checkpoint(self) -> None:
        """Return at once unless the execution is PAUSED: then wait for resume. Raises
        :class:`ExecutionStopped` once the execution is final."""
        execution = await self._current()
        if execution.status.phase != enums.EXECUTION_PAUSED:
            return
        log.info("execution %s: paused, waiting to be resumed", self.execution_id)
        while execution.status.phase == enums.EXECUTION_PAUSED:
            await asyncio.sleep(self._poll_s)
            execution = await self._current()
        log.info("execution %s: resumed", self.execution_id)

    async def decision(self, approval_request_id: str) -> approval_pb2.ApprovalDecision:
        """Wait for the user's decision on ``approval_request_id``."""
        while True:
            execution = await self._current()
            for event in execution.status.approval_event_stream.events:
                if (event.approval_request_id == approval_request_id
                        and event.event_type in DECIDED):
                    return event.decided
            await asyncio.sleep(self._poll_s)


def pending_approval(
    call_id: str, name: str, args_preview: str, approval: ToolApproval, server_slug: str,
    now: str,
) -> approval_pb2.PendingApproval:
    """The ``status.pending_approvals`` entry for one tool call."""
    return approval_pb2.PendingApproval(
        tool_call_id=call_id, tool_name=name, message=approval.message,
        args_preview=args_preview, requested_at=now, mcp_server_slug=server_slug,
        tool_kind=enums.TOOL_KIND_MCP if server_slug else enums.TOOL_KIND_UNSPECIFIED,
        approval_policy_source=approval.source,  # type: ignore[arg-type]
    )


def requested_event(
    execution_id: str, pending: approval_pb2.PendingApproval
) -> approval_pb2.ApprovalEventStream:
    """An event stream holding the REQUESTED event of ``pending``."""
    rid = request_id(pending.tool_call_id)
    return approval_pb2.ApprovalEventStream(execution_id=execution_id, events=[
        approval_pb2.ApprovalEvent(
            event_id=f"{rid}-requested", approval_request_id=rid,
            event_type=enums.APPROVAL_EVENT_TYPE_REQUESTED, timestamp=pending.requested_at,
            actor="agent-runner",
            requested=approval_pb2.ApprovalRequest(
                approval_request_id=rid, tool_call_id=pending.tool_call_id,
                requested_at=pending.requested_at, tool_name=pending.tool_name,
                message=pending.message, args_preview=pending.args_preview,
                mcp_server_slug=pending.mcp_server_slug, tool_kind=pending.tool_kind,
                approval_policy_source=pending.approval_policy_source,
            ),
        )])
