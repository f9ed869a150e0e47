"""MCP over streamable HTTP: a real MCP server process reached by URL, and HTTP plans."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api

from reference.runner.activities import ExecuteGraphton
from reference.runner.config import RunnerConfig
from reference.runner.context import EnvValue, McpServerPlan, mcp_plan
from reference.runner.errors import ToolError
from reference.runner.mcp_tools import open_toolset
from tests.reference.runner.runner_fakes import (
    EXECUTION_ID,
    FakeBackend,
    FakeChatModel,
    make_execution,
    text_round,
    tool_round,
)

SERVER = Path(__file__).resolve().parents[3] / "features" / "fixtures" / "mcp" / \
    "calculator_server.py"


@pytest.fixture(scope="module")
def mcp_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The suite's calculator MCP server on a free loopback port (stopped by PID)."""
    log = tmp_path_factory.mktemp("mcp") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(SERVER), "--port", "0"],
                                stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not (match := re.search(r"listening on (\S+):(\d+)", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield f"http://127.0.0.1:{match.group(2)}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _http_server(url: str, **headers: str) -> mcp_api.McpServer:
    server = mcp_api.McpServer()
    server.metadata.slug = "calculator"
    server.spec.http.url = url
    server.spec.http.headers.update(headers)
    return server


def test_http_plan_expands_env_references() -> None:
    server = _http_server("http://h:1/mcp", authorization="Bearer ${TOKEN}")
    server.spec.http.query_params["team"] = "${TEAM}"
    server.spec.http.timeout_seconds = 7
    env = {"TOKEN": EnvValue("t0k", True), "TEAM": EnvValue("qa")}
    plan = mcp_plan(server, env, ("add",))
    assert (plan.transport, plan.url, plan.timeout_s) == ("http", "http://h:1/mcp?team=qa", 7.0)
    assert plan.headers == {"authorization": "Bearer t0k"} and plan.enabled_tools == ("add",)
    with pytest.raises(ToolError, match=r"refers to \$\{(TOKEN|TEAM)\}"):
        mcp_plan(server, {}, ())


def test_server_without_transport_is_a_tool_error() -> None:
    server = mcp_api.McpServer()
    server.metadata.slug = "empty"
    with pytest.raises(ToolError, match="neither a stdio command nor an http url"):
        mcp_plan(server, {}, ())


@pytest.mark.anyio
async def test_toolset_over_http(mcp_url: str) -> None:
    async with open_toolset([McpServerPlan(slug="calculator", url=mcp_url)]) as tools:
        names = [s["function"]["name"] for s in tools.specs]
        assert names == ["add", "get_time_in_city", "get_weather"]
        assert (await tools.call("add", {"a": 2, "b": 3})).text == "The sum of 2 and 3 is 5."
        first = await tools.call("get_time_in_city", {"city": "Paris"})
        assert first == await tools.call("get_time_in_city", {"city": "Paris"})
        assert (await tools.call("add", {"a": "x"})).is_error


@pytest.mark.anyio
async def test_unreachable_http_server_is_a_clear_tool_error() -> None:
    plan = McpServerPlan(slug="gone", url="http://127.0.0.1:9/mcp")
    with pytest.raises(ToolError, match=r"MCP server gone \(http .*\) is unreachable: Connect"):
        async with open_toolset([plan]):
            pass


@pytest.mark.anyio
async def test_agent_calls_an_http_mcp_tool(mcp_url: str) -> None:
    backend = FakeBackend(make_execution("Use the add tool to add 2 and 3."))
    usage = backend.agent.spec.mcp_server_usages.add()
    usage.mcp_server_ref.slug = "calculator"
    backend.mcp_servers["calculator"] = _http_server(mcp_url)
    model = FakeChatModel(tool_round("add", a=2, b=3), text_round("It is 5."))
    await ExecuteGraphton(RunnerConfig(), backend, model).run(EXECUTION_ID)
    final = backend.updates[-1].status
    assert final.phase == enums.EXECUTION_COMPLETED
    (tool,) = [m for m in final.messages if m.type == enums.MESSAGE_TOOL]
    assert tool.content == "The sum of 2 and 3 is 5."
    call = tool.tool_calls[0]
    assert (call.name, call.mcp_server_slug, call.tool_kind) == (
        "add", "calculator", enums.TOOL_KIND_MCP)
