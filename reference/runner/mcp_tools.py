"""MCP tools: connect to the agent's MCP servers (stdio: started here; streamable HTTP: by URL),
list their tools, call them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx2
from mcp import types as mcp_types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from .context import McpServerPlan
from .errors import ToolError
from .tools import NoTools, ToolOutcome, Toolset

log = logging.getLogger(__name__)

TOOL_TIMEOUT_S = 60.0
HTTP_TIMEOUT_S = 30.0


def describe_exception(exc: BaseException) -> str:
    """``Type: message``; exception groups (anyio task groups) are unwrapped to their first
    leaf that is not a cancellation: the error that matters."""
    leaves = _leaves(exc)
    real = [leaf for leaf in leaves if not isinstance(leaf, asyncio.CancelledError)]
    leaf = (real or leaves or [exc])[0]
    return f"{type(leaf).__name__}: {leaf}"


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for inner in exc.exceptions for leaf in _leaves(inner)]
    return [exc]


def _tool_spec(tool: mcp_types.Tool) -> dict[str, Any]:
    schema = dict(tool.input_schema or {}) or {"type": "object", "properties": {}}
    return {
        "type": "function",
        "function": {
            "name": tool.name,
            "description": tool.description or "",
            "parameters": schema,
        },
    }


def _result_text(result: mcp_types.CallToolResult) -> str:
    parts = []
    for item in result.content:
        text = getattr(item, "text", None)
        parts.append(text if isinstance(text, str) else item.model_dump_json())
    if not parts and result.structured_content is not None:
        parts.append(str(result.structured_content))
    return "\n".join(parts)


class McpToolset:
    """Tools of several connected MCP servers (tool names must be unique across servers)."""

    def __init__(self) -> None:
        self._sessions: dict[str, ClientSession] = {}
        self._owner: dict[str, str] = {}
        self._specs: list[dict[str, Any]] = []

    @property
    def specs(self) -> list[dict[str, Any]]:
        return list(self._specs)

    def server_of(self, name: str) -> str:
        return self._owner.get(name, "")

    def add(self, slug: str, session: ClientSession, tools: Sequence[mcp_types.Tool]) -> None:
        """Register a connected server's tools."""
        for tool in tools:
            if tool.name in self._owner:
                log.warning("tool %s of %s hides the one of %s", tool.name, slug,
                            self._owner[tool.name])
            self._owner[tool.name] = slug
            self._sessions[tool.name] = session
            self._specs = [s for s in self._specs if s["function"]["name"] != tool.name]
            self._specs.append(_tool_spec(tool))

    async def call(self, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        session = self._sessions.get(name)
        if session is None:
            return ToolOutcome(f"unknown tool: {name}", is_error=True)
        try:
            result = await session.call_tool(name, dict(arguments),
                                             read_timeout_seconds=TOOL_TIMEOUT_S)
        except Exception as exc:
            return ToolOutcome(f"tool {name} failed: {type(exc).__name__}: {exc}", is_error=True)
        return ToolOutcome(_result_text(result), is_error=bool(result.is_error))


async def _open_streams(stack: contextlib.AsyncExitStack, plan: McpServerPlan) -> tuple[Any, Any]:
    """The read/write streams of the plan's transport (stdio child process or HTTP)."""
    if plan.transport == "http":
        timeout = plan.timeout_s or HTTP_TIMEOUT_S
        client = await stack.enter_async_context(create_mcp_http_client(
            headers=dict(plan.headers) or None,
            timeout=httpx2.Timeout(timeout, read=max(timeout, TOOL_TIMEOUT_S)),
        ))
        read, write = await stack.enter_async_context(
            streamable_http_client(plan.url, http_client=client)
        )
        return read, write
    params = StdioServerParameters(
        command=plan.command,
        args=list(plan.args),
        env=dict(plan.env),
        cwd=plan.working_dir or None,
    )
    return await stack.enter_async_context(stdio_client(params))


async def _connect(
    stack: contextlib.AsyncExitStack, plan: McpServerPlan
) -> tuple[ClientSession, list[mcp_types.Tool]]:
    read, write = await _open_streams(stack, plan)
    session = await stack.enter_async_context(ClientSession(read, write))
    await session.initialize()
    listed = await session.list_tools()
    tools = [t for t in listed.tools if not plan.enabled_tools or t.name in plan.enabled_tools]
    return session, tools


async def _connect_or_explain(
    stack: contextlib.AsyncExitStack, plan: McpServerPlan
) -> tuple[ClientSession, list[mcp_types.Tool]]:
    """Connect, or raise a ToolError naming the server and the real cause.

    A transport task that fails (e.g. connection refused) cancels the connecting task through
    the transport's task group; closing the stack then surfaces the real error (an exception
    group). A cancellation from outside stays a cancellation.
    """
    try:
        return await _connect(stack, plan)
    except BaseException as exc:
        cause: BaseException = exc
        try:
            await stack.aclose()
        except BaseException as close_error:  # the transport's own failure, if any
            cause = close_error
        if isinstance(cause, asyncio.CancelledError | KeyboardInterrupt | SystemExit):
            raise
        what = "failed to start" if plan.transport == "stdio" else "is unreachable"
        raise ToolError(
            f"MCP server {plan.slug} ({plan.transport} {plan.target!r}) {what}: "
            f"{describe_exception(cause)}"
        ) from None


async def _close_quietly(stack: contextlib.AsyncExitStack, plan: McpServerPlan) -> None:
    """Disconnect one server; a failing disconnect is logged, never raised over the result."""
    try:
        await stack.aclose()
    except Exception as exc:
        log.warning("MCP server %s: disconnect failed: %s", plan.slug, describe_exception(exc))


@contextlib.asynccontextmanager
async def open_toolset(plans: Sequence[McpServerPlan]) -> AsyncIterator[Toolset]:
    """Connect every planned MCP server (stdio ones are started) for the duration of the block."""
    if not plans:
        yield NoTools()
        return
    async with contextlib.AsyncExitStack() as stack:
        toolset = McpToolset()
        for plan in plans:
            server_stack = contextlib.AsyncExitStack()
            session, tools = await _connect_or_explain(server_stack, plan)
            stack.push_async_callback(_close_quietly, server_stack, plan)
            log.info("MCP server %s (%s %s) ready with tools %s", plan.slug, plan.transport,
                     plan.target, [t.name for t in tools])
            toolset.add(plan.slug, session, tools)
        yield toolset
