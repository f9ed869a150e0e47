"""MCP tools: start the agent's stdio MCP servers, list their tools, call them."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from mcp import types as mcp_types
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from .context import McpServerPlan
from .errors import ToolError
from .tools import NoTools, ToolOutcome, Toolset

log = logging.getLogger(__name__)

TOOL_TIMEOUT_S = 60.0


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


async def _connect(
    stack: contextlib.AsyncExitStack, plan: McpServerPlan
) -> tuple[ClientSession, list[mcp_types.Tool]]:
    params = StdioServerParameters(
        command=plan.command,
        args=list(plan.args),
        env=dict(plan.env),
        cwd=plan.working_dir or None,
    )
    read, write = await stack.enter_async_context(stdio_client(params))
    session = await stack.enter_async_context(ClientSession(read, write))
    await session.initialize()
    listed = await session.list_tools()
    tools = [t for t in listed.tools if not plan.enabled_tools or t.name in plan.enabled_tools]
    return session, tools


@contextlib.asynccontextmanager
async def open_toolset(plans: Sequence[McpServerPlan]) -> AsyncIterator[Toolset]:
    """Start every planned MCP server for the duration of the block."""
    if not plans:
        yield NoTools()
        return
    async with contextlib.AsyncExitStack() as stack:
        toolset = McpToolset()
        for plan in plans:
            try:
                session, tools = await _connect(stack, plan)
            except Exception as exc:
                raise ToolError(
                    f"MCP server {plan.slug} (command {plan.command!r}) failed to start: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc
            log.info("MCP server %s ready with tools %s", plan.slug, [t.name for t in tools])
            toolset.add(plan.slug, session, tools)
        yield toolset
