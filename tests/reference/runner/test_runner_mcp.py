"""MCP tools: a real stdio MCP server started from an agent's MCP server usage."""

from __future__ import annotations

import sys

import pytest
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from temporalio.exceptions import ApplicationError

from reference.runner.activities import ExecuteGraphton
from reference.runner.config import RunnerConfig
from reference.runner.context import McpServerPlan
from reference.runner.errors import ToolError
from reference.runner.mcp_tools import open_toolset
from tests.reference.runner.runner_fakes import (
    ECHO_MCP_SERVER,
    EXECUTION_ID,
    FakeChatModel,
    backend_with_mcp,
    text_round,
    tool_round,
)

pytestmark = pytest.mark.anyio



def _plan(**env: str) -> McpServerPlan:
    return McpServerPlan(slug="echo", command=sys.executable, args=(ECHO_MCP_SERVER,), env=env)


async def test_toolset_lists_and_calls_tools() -> None:
    async with open_toolset([_plan(FOO="bar")]) as tools:
        names = [s["function"]["name"] for s in tools.specs]
        assert names == ["echo", "read_env"]
        assert tools.server_of("echo") == "echo"
        assert (await tools.call("echo", {"text": "hi"})).text == "echo: hi"
        assert (await tools.call("read_env", {"name": "FOO"})).text == "bar"
        assert (await tools.call("missing", {})).is_error
        assert (await tools.call("echo", {})).is_error


async def test_enabled_tools_filter() -> None:
    plan = McpServerPlan(slug="echo", command=sys.executable, args=(ECHO_MCP_SERVER,),
                         enabled_tools=("echo",))
    async with open_toolset([plan]) as tools:
        assert [s["function"]["name"] for s in tools.specs] == ["echo"]


async def test_unstartable_server_is_a_tool_error() -> None:
    with pytest.raises(ToolError, match="MCP server broken"):
        async with open_toolset([McpServerPlan(slug="broken", command="/nonexistent/bin")]):
            pass


async def test_agent_tool_call_runs_through_mcp_with_secret_env() -> None:
    backend = backend_with_mcp({"API_TOKEN": ("tok-s3cret", True)})
    model = FakeChatModel(tool_round("read_env", name="API_TOKEN"), text_round("Done."))
    await ExecuteGraphton(RunnerConfig(), backend, model).run(EXECUTION_ID)
    messages = backend.execution.status.messages
    assert [m.type for m in messages] == [enums.MESSAGE_HUMAN, enums.MESSAGE_AI,
                                          enums.MESSAGE_TOOL, enums.MESSAGE_AI]
    tool = messages[2]
    assert tool.content == "***", "the secret reached the tool but is masked in the transcript"
    assert tool.tool_calls[0].mcp_server_slug == "echo"
    assert model.calls[1]["messages"][-1]["content"] == "tok-s3cret"
    assert backend.execution.status.phase == enums.EXECUTION_COMPLETED


async def test_missing_required_server_env_fails_the_execution() -> None:
    backend = backend_with_mcp({})
    with pytest.raises(ApplicationError, match="needs environment variable API_TOKEN"):
        await ExecuteGraphton(RunnerConfig(), backend, FakeChatModel()).run(EXECUTION_ID)
    assert backend.execution.status.phase == enums.EXECUTION_FAILED
