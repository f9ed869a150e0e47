"""Reading an execution's transcript: tool calls, their results and sub-agent runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ai.stigmer.agentic.agentexecution.v1 import enum_pb2
from google.protobuf import json_format

MessageType = enum_pb2.MessageType
ToolCallStatus = enum_pb2.ToolCallStatus


@dataclass(frozen=True)
class ToolUse:
    """One tool call as the transcript records it: the TOOL message and its call record."""

    name: str
    arguments: dict[str, Any]
    result: str
    content: str
    status: str
    server: str


def tool_uses(execution: Any) -> list[ToolUse]:
    """Every TOOL message of the execution, in order."""
    uses = []
    for message in execution.status.messages:
        if message.type != MessageType.MESSAGE_TOOL or not message.tool_calls:
            continue
        call = message.tool_calls[0]
        uses.append(ToolUse(
            name=call.name, arguments=json_format.MessageToDict(call.args),
            result=call.result, content=message.content,
            status=ToolCallStatus.Name(call.status).removeprefix("TOOL_CALL_"),
            server=call.mcp_server_slug,
        ))
    return uses


def requested_tools(execution: Any) -> list[str]:
    """Names of the tools the AI messages asked for, in order."""
    return [call.name for message in execution.status.messages
            if message.type == MessageType.MESSAGE_AI for call in message.tool_calls]


def sub_agent_runs(execution: Any) -> list[Any]:
    """The execution's recorded sub-agent executions."""
    return list(execution.status.sub_agent_executions)


def sub_agent_status(run: Any) -> str:
    """``COMPLETED`` / ``FAILED`` / ... of one sub-agent execution."""
    return enum_pb2.SubAgentStatus.Name(run.status).removeprefix("SUB_AGENT_")


def message_kinds(messages: Any) -> list[str]:
    """``HUMAN``, ``AI``, ... for a list of messages."""
    return [MessageType.Name(m.type).removeprefix("MESSAGE_") for m in messages]
