"""The agent loop: stream the model's answer, run requested tools, feed results back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums

from .approvals import (
    ExecutionControl,
    ToolApproval,
    pending_approval,
    request_id,
    requested_event,
)
from .chat import build_chat
from .context import ExecutionContext
from .errors import ExecutionStopped
from .llm import ChatModel, ToolRequest
from .messages import Usage, make_tool_call, now_iso
from .status_reporter import StatusReporter
from .subagents import is_delegation
from .tools import ToolOutcome, Toolset

SKIPPED_TEXT = ("The user chose to skip this call of {tool}: it was not run. "
                "Go on without its result.")


def _assistant_turn(text: str, requests: list[ToolRequest]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": text,
        "tool_calls": [
            {"function": {"name": r.name, "arguments": r.arguments}} for r in requests
        ],
    }


def _args_preview(arguments: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value!r}" for key, value in arguments.items())[:200]


async def _approved(
    control: ExecutionControl, reporter: StatusReporter, call: Any, approval: ToolApproval,
) -> bool:
    """Ask the user about ``call`` and wait: True to run it, False when they skipped it."""
    preview = reporter.redactor.redact(_args_preview(dict(call.args)))
    pending = pending_approval(call.id, call.name, preview, approval, call.mcp_server_slug,
                               now_iso())
    await reporter.ask_approval(pending, requested_event(control.execution_id, pending))
    decision = await control.decision(request_id(call.id))
    reporter.record_decision(call.id, decision)
    if decision.action == enums.APPROVAL_ACTION_REJECT:  # the server ends the execution
        raise ExecutionStopped(f"the call to {call.name} was rejected")
    return decision.action != enums.APPROVAL_ACTION_SKIP


def _copy_approval(asked: Any, done: Any) -> None:
    if asked is None or not asked.requires_approval:
        return
    for name in ("requires_approval", "approval_message", "approval_requested_at",
                 "approval_decided_at", "approved_by", "approval_action",
                 "approval_policy_source"):
        setattr(done, name, getattr(asked, name))


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
    control: ExecutionControl | None = None,
) -> Usage:
    """Run the conversation to its final AI message; returns the token usage.

    With ``control``, the loop holds while the user has the execution paused (before each
    model turn and each tool call) and asks before a tool of ``ctx.approvals`` runs.
    """
    chat: list[dict[str, Any]] = list(build_chat(ctx))
    usage = Usage()
    for round_no in range(max_tool_rounds + 1):
        if control is not None:
            await control.checkpoint()
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
            run = True
            if control is not None:
                await control.checkpoint()
                approval = ctx.approvals.get(request.name)
                if approval is not None:
                    run = await _approved(control, reporter, call, approval)
                    await control.checkpoint()  # a pause during the wait holds the call
            if run:
                outcome = await tools.call(request.name, request.arguments)
            else:
                outcome = ToolOutcome(SKIPPED_TEXT.format(tool=request.name))
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
            if not run:
                done.status = enums.TOOL_CALL_SKIPPED
            _copy_approval(reporter.approval_of(call.id), done)
            await reporter.tool_result(done, outcome.text)
            chat.append({"role": "tool", "content": outcome.text, "tool_name": request.name})
    return usage
