"""Pure builders for AgentMessage / AgentExecutionStatus / update-status protos."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as execution_io
from ai.stigmer.agentic.agentexecution.v1 import message_pb2 as message_api
from ai.stigmer.agentic.agentexecution.v1 import subagent_pb2, usage_pb2
from google.protobuf import struct_pb2

MESSAGE_ID_KEY = "message_id"

TERMINAL_PHASES = frozenset(
    {
        enums.EXECUTION_COMPLETED,
        enums.EXECUTION_FAILED,
        enums.EXECUTION_CANCELLED,
        enums.EXECUTION_TERMINATED,
    }
)


@dataclass
class Usage:
    """Token usage summed over the LLM calls of one execution."""

    input_tokens: int = 0
    output_tokens: int = 0
    turns: int = 0

    def add(self, input_tokens: int, output_tokens: int) -> None:
        """Account one LLM call."""
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.turns += 1


def now_iso() -> str:
    """Current UTC time as RFC 3339 with a ``Z`` suffix."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def message_id(execution_id: str, index: int) -> str:
    """Stable identity of the message at ``index`` in an execution's transcript."""
    return f"{execution_id}-m{index}"


def to_struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    """A protobuf Struct from a JSON-able mapping (non-JSON values become strings)."""
    struct = struct_pb2.Struct()
    struct.update(json.loads(json.dumps(dict(values), default=str)))
    return struct


def make_message(
    kind: int,
    content: str,
    msg_id: str,
    *,
    streaming: bool = False,
    tool_calls: Sequence[message_api.ToolCall] = (),
    timestamp: str | None = None,
    metadata: Mapping[str, Any] | None = None,
) -> message_api.AgentMessage:
    """One transcript message; ``metadata.message_id`` carries its identity."""
    meta = {MESSAGE_ID_KEY: msg_id, **(metadata or {})}
    return message_api.AgentMessage(
        type=kind,  # type: ignore[arg-type]
        content=content,
        timestamp=timestamp or now_iso(),
        tool_calls=list(tool_calls),
        metadata=to_struct(meta),
        is_streaming=streaming,
    )


def make_tool_call(
    call_id: str,
    name: str,
    args: Mapping[str, Any],
    *,
    status: int = enums.TOOL_CALL_RUNNING,
    result: str = "",
    error: str = "",
    server_slug: str = "",
    started_at: str = "",
    completed_at: str = "",
    tool_kind: int = enums.TOOL_KIND_UNSPECIFIED,
) -> message_api.ToolCall:
    """A ToolCall record for AI (requested) and TOOL (result) messages."""
    return message_api.ToolCall(
        id=call_id,
        name=name,
        args=to_struct(args),
        result=result,
        status=status,  # type: ignore[arg-type]
        error=error,
        mcp_server_slug=server_slug,
        started_at=started_at,
        completed_at=completed_at,
        tool_kind=tool_kind,  # type: ignore[arg-type]
    )


def build_status(
    phase: int,
    messages: Sequence[message_api.AgentMessage],
    *,
    error: str = "",
    started_at: str = "",
    completed_at: str = "",
    usage: Usage | None = None,
    model: str = "",
    sub_agents: Sequence[subagent_pb2.SubAgentExecution] = (),
) -> execution_api.AgentExecutionStatus:
    """The status sent through updateStatus: the full transcript (and every sub-agent
    execution so far) plus phase and timing."""
    status = execution_api.AgentExecutionStatus(
        phase=phase,  # type: ignore[arg-type]
        messages=list(messages),
        error=error,
        started_at=started_at,
        completed_at=completed_at,
        sub_agent_executions=list(sub_agents),
    )
    if usage is not None:
        status.streaming_usage.CopyFrom(
            usage_pb2.StreamingUsageSummary(
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                total_tokens=usage.input_tokens + usage.output_tokens,
                turn_count=usage.turns,
                model=model,
                observed_at=now_iso(),
            )
        )
    return status


def build_update(
    execution_id: str, status: execution_api.AgentExecutionStatus
) -> execution_io.AgentExecutionUpdateStatusInput:
    """The AgentExecutionUpdateStatusInput for one status push."""
    return execution_io.AgentExecutionUpdateStatusInput(execution_id=execution_id, status=status)


def phase_name(phase: int) -> str:
    """``EXECUTION_COMPLETED`` -> ``COMPLETED``."""
    return enums.ExecutionPhase.Name(phase).removeprefix("EXECUTION_")
