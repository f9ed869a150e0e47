"""The agent loop: stream the model's answer, run requested tools, feed results back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums

from .chat import build_chat
from .context import ExecutionContext
from .llm import ChatModel, ToolRequest
from .messages import Usage, make_tool_call, now_iso
from .status_reporter import StatusReporter
from .subagents import is_delegation
from .tools import Toolset


def _assistant_turn(text: str, requests: list[ToolRequest]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": text,
        "tool_calls": [
            {"function": {"name": r.name, "arguments": r.arguments}} for r in requests
        ],
    }


def _kind(name: str, server_slug: str) -> int:
    if is_delegation(name):
        return enums.TOOL_KIND_SUBAGENT
    return enums.TOOL_KIND_MCP if server_slug else enums.TOOL_KIND_UNSPECIFIED


async def run_agent(
    ctx: ExecutionContext,
    model: ChatModel,
    reporter: StatusReporter,
    tools: Toolset,
    *,
    max_tool_rounds: int = 4,
    heartbeat: Callable[..., None] = lambda *_: None,
) -> Usage:
    """Run the conversation to its final AI message; returns the token usage."""
    chat: list[dict[str, Any]] = list(build_chat(ctx))
    usage = Usage()
    for round_no in range(max_tool_rounds + 1):
        offered = tools.specs if round_no < max_tool_rounds else []
        reporter.begin_ai()
        requests: list[ToolRequest] = []
        async for chunk in model.stream_chat(ctx.model, chat, offered):
            heartbeat()
            await reporter.ai_delta(chunk.text)
            requests.extend(chunk.tool_calls)
            if chunk.done:
                usage.add(chunk.input_tokens, chunk.output_tokens)
        if not requests:
            reporter.end_ai()
            return usage
        started = now_iso()
        calls = [
            make_tool_call(
                f"call-{round_no}-{i}", r.name, r.arguments,
                server_slug=tools.server_of(r.name), started_at=started,
                tool_kind=_kind(r.name, tools.server_of(r.name)),
            )
            for i, r in enumerate(requests)
        ]
        text = reporter.end_ai(calls)
        chat.append(_assistant_turn(text, requests))
        for call, request in zip(calls, requests, strict=True):
            heartbeat(f"tool {request.name}")
            outcome = await tools.call(request.name, request.arguments)
            done = make_tool_call(
                call.id, request.name, request.arguments,
                status=enums.TOOL_CALL_FAILED if outcome.is_error else enums.TOOL_CALL_COMPLETED,
                result=outcome.text,
                error=outcome.text if outcome.is_error else "",
                server_slug=call.mcp_server_slug,
                started_at=started,
                completed_at=now_iso(),
                tool_kind=call.tool_kind,
            )
            await reporter.tool_result(done, outcome.text)
            chat.append({"role": "tool", "content": outcome.text, "tool_name": request.name})
    return usage
