"""In-memory fakes of the runner's boundaries (backend, chat model, toolset) for tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as enums
from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as execution_io
from ai.stigmer.agentic.agentinstance.v1 import api_pb2 as instance_api
from ai.stigmer.agentic.environment.v1 import api_pb2 as environment_api
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api
from ai.stigmer.agentic.session.v1 import api_pb2 as session_api
from ai.stigmer.agentic.skill.v1 import api_pb2 as skill_api
from ai.stigmer.commons.apiresource import io_pb2 as resource_io

from reference.runner.errors import BackendError, ExecutionStopped, LlmError
from reference.runner.llm import LlmChunk, ToolRequest
from reference.runner.messages import TERMINAL_PHASES
from reference.runner.tools import ToolOutcome

ECHO_MCP_SERVER = str(Path(__file__).with_name("mcp_echo_server.py"))
EXECUTION_ID = "aex-test"
AGENT_ID = "agt-test"
INSTANCE_ID = "ain-test"


def make_execution(
    message: str = "Say hello", *, model: str = "", runtime_env: Mapping[str, tuple[str, bool]] = ()
) -> execution_api.AgentExecution:
    execution = execution_api.AgentExecution()
    execution.metadata.id = EXECUTION_ID
    execution.spec.agent_id = AGENT_ID
    execution.spec.message = message
    execution.spec.execution_config.model_name = model
    for name, (value, secret) in dict(runtime_env).items():
        execution.spec.runtime_env[name].value = value
        execution.spec.runtime_env[name].is_secret = secret
    execution.status.phase = enums.EXECUTION_PENDING
    return execution


def make_agent(instructions: str = "You are a friendly assistant") -> agent_api.Agent:
    agent = agent_api.Agent()
    agent.metadata.id = AGENT_ID
    agent.metadata.name = "greeter"
    agent.spec.instructions = instructions
    agent.status.default_instance_id = INSTANCE_ID
    return agent


def make_instance() -> instance_api.AgentInstance:
    instance = instance_api.AgentInstance()
    instance.metadata.id = INSTANCE_ID
    instance.spec.agent_id = AGENT_ID
    return instance


class FakeBackend:
    """A backend holding one execution; records every update and merges it by index."""

    def __init__(self, execution: execution_api.AgentExecution | None = None,
                 agent: agent_api.Agent | None = None) -> None:
        self.execution = execution or make_execution()
        self.agent = agent or make_agent()
        self.instance = make_instance()
        self.skills: dict[str, skill_api.Skill] = {}
        self.mcp_servers: dict[str, mcp_api.McpServer] = {}
        self.environments: dict[str, environment_api.Environment] = {}
        self.updates: list[execution_io.AgentExecutionUpdateStatusInput] = []
        self.fail_get_agent: BackendError | None = None
        self.fail_update: Exception | None = None
        self.stop_signal_after: int | None = None

    async def get_execution(self, execution_id: str) -> execution_api.AgentExecution:
        if execution_id != self.execution.metadata.id:
            raise BackendError(f"execution {execution_id} not found", code="not-found")
        copy = execution_api.AgentExecution()
        copy.CopyFrom(self.execution)
        return copy

    async def get_session(self, session_id: str) -> session_api.Session:
        raise BackendError("sessions not implemented", code="unknown")

    async def get_agent_instance(self, instance_id: str) -> instance_api.AgentInstance:
        return self.instance

    async def get_agent(self, agent_id: str) -> agent_api.Agent:
        if self.fail_get_agent:
            raise self.fail_get_agent
        return self.agent

    async def get_skill(self, ref: resource_io.ApiResourceReference) -> skill_api.Skill:
        return self.skills[ref.slug]

    async def get_mcp_server(self, ref: resource_io.ApiResourceReference) -> mcp_api.McpServer:
        return self.mcp_servers[ref.slug]

    async def get_environment(
        self, ref: resource_io.ApiResourceReference
    ) -> environment_api.Environment:
        return self.environments[ref.slug]

    async def update_status(
        self, update: execution_io.AgentExecutionUpdateStatusInput
    ) -> execution_io.UpdateStatusResponse:
        if self.fail_update:
            raise self.fail_update
        if self.execution.status.phase in TERMINAL_PHASES:
            raise ExecutionStopped("execution is already terminal")
        self.updates.append(update)
        status = self.execution.status
        for i, message in enumerate(update.status.messages):
            if i < len(status.messages):
                status.messages[i].CopyFrom(message)
            else:
                status.messages.append(message)
        if update.status.phase:
            status.phase = update.status.phase
        if update.status.error:
            status.error = update.status.error
        response = execution_io.UpdateStatusResponse()
        if self.stop_signal_after is not None and len(self.updates) >= self.stop_signal_after:
            response.signal = enums.EXECUTION_CONTROL_SIGNAL_STOP
            response.signal_reason = "stop requested"
        return response

    @property
    def phases(self) -> list[int]:
        return [u.status.phase for u in self.updates]


class FakeChatModel:
    """Streams scripted rounds: each round is a list of LlmChunk (or an exception to raise)."""

    def __init__(self, *rounds: Sequence[LlmChunk] | Exception) -> None:
        self.rounds = list(rounds)
        self.calls: list[dict[str, Any]] = []

    async def stream_chat(
        self, model: str, messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] = (),
    ) -> AsyncIterator[LlmChunk]:
        self.calls.append({"model": model, "messages": [dict(m) for m in messages],
                           "tools": list(tools)})
        script = self.rounds.pop(0) if self.rounds else [LlmChunk(done=True)]
        if isinstance(script, Exception):
            raise script
        for chunk in script:
            yield chunk


def text_round(text: str, *, pieces: int = 20) -> list[LlmChunk]:
    """A round streaming ``text`` in ``pieces`` chunks and a final usage chunk."""
    size = max(1, len(text) // pieces)
    chunks = [LlmChunk(text=text[i:i + size]) for i in range(0, len(text), size)]
    return [*chunks, LlmChunk(done=True, input_tokens=12, output_tokens=len(chunks))]


def tool_round(tool: str, **arguments: Any) -> list[LlmChunk]:
    return [LlmChunk(tool_calls=(ToolRequest(tool, arguments),)),
            LlmChunk(done=True, input_tokens=5, output_tokens=3)]


unreachable = LlmError("LLM endpoint http://127.0.0.1:9 is unreachable (model 'smollm2:135m')")


class FakeToolset:
    """One ``echo`` tool."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @property
    def specs(self) -> list[dict[str, Any]]:
        return [{"type": "function", "function": {"name": "echo", "description": "Echo text",
                 "parameters": {"type": "object", "properties": {"text": {"type": "string"}}}}}]

    def server_of(self, name: str) -> str:
        return "echo-server"

    async def call(self, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        self.calls.append((name, dict(arguments)))
        return ToolOutcome(f"echo: {arguments.get('text', '')}")


def backend_with_mcp(runtime_env: dict[str, tuple[str, bool]]) -> FakeBackend:
    """An agent using the echo MCP server, which declares a secret API_TOKEN."""
    backend = FakeBackend(make_execution(runtime_env=runtime_env))
    usage = backend.agent.spec.mcp_server_usages.add()
    usage.mcp_server_ref.org = "local"
    usage.mcp_server_ref.slug = "echo"
    server = mcp_api.McpServer()
    server.metadata.slug = "echo"
    server.spec.stdio.command = sys.executable
    server.spec.stdio.args.append(ECHO_MCP_SERVER)
    server.spec.env["API_TOKEN"].is_secret = True
    backend.mcp_servers["echo"] = server
    return backend
