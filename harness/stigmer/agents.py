"""Agents and their executions through the official SDK, for one organization."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import grpc
from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api_pb2
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api_pb2
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2, io_pb2
from ai.stigmer.agentic.agentexecution.v1 import query_pb2_grpc as execution_query_grpc
from ai.stigmer.agentic.agentinstance.v1 import io_pb2 as agent_instance_io_pb2
from ai.stigmer.agentic.executioncontext.v1 import io_pb2 as context_io_pb2
from ai.stigmer.agentic.executioncontext.v1 import query_pb2_grpc as context_query_grpc
from stigmer import (
    AgentExecutionInput,
    ExecutionConfigInput,
    ListParams,
    ResourceRef,
    StigmerClient,
    StigmerError,
)

from harness.stigmer.executions import Executions, RuntimeValue, env_inputs, short_name
from harness.stigmer.inputs import agent_input_from_proto
from harness.stigmer.manifests import Manifest

Agent = agent_api_pb2.Agent
AgentExecution = execution_api_pb2.AgentExecution
Phase = enum_pb2.ExecutionPhase
MessageType = enum_pb2.MessageType


def phase_name(phase: int) -> str:
    """``EXECUTION_COMPLETED`` -> ``COMPLETED`` (an agent execution's phase)."""
    return short_name(Phase, phase)


def message_type_name(kind: int) -> str:
    """``MESSAGE_AI`` -> ``AI``."""
    return short_name(MessageType, kind, "MESSAGE_")


def describe_execution(execution: AgentExecution) -> str:
    """One line: phase, message counts, and the last message (for timeout reports)."""
    messages = execution.status.messages
    last = messages[-1].content.strip().replace("\n", " ")[:120] if messages else "-"
    return (f"{execution.metadata.id} phase={phase_name(execution.status.phase)} "
            f"messages={len(messages)} last={last!r}")


class Agents:
    """The agents of one organization."""

    def __init__(self, client: StigmerClient, org: str) -> None:
        self.client = client
        self.org = org

    def apply(self, manifest: Manifest, values: Mapping[str, str] | None = None) -> Agent:
        """Create or update the agent of a manifest in this organization (``values`` fill its
        placeholders)."""
        agent = manifest.to_proto(org=self.org, values=values)
        assert isinstance(agent, Agent), f"{manifest.kind} is not an Agent"
        return self.client.agents.apply(agent_input_from_proto(agent))

    def get(self, slug: str) -> Agent:
        return self.client.agents.get_by_reference(ResourceRef(org=self.org, slug=slug))

    def find(self, slug: str) -> Agent | None:
        """The agent, or None when Stigmer says it does not exist."""
        try:
            return self.get(slug)
        except StigmerError as error:
            if error.grpc_code == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    def slugs(self) -> list[str]:
        """Slugs (or names) of the agents of this organization."""
        result = self.client.agents.list(ListParams(org=self.org))
        return [entry.slug or entry.name for entry in result.entries]

    def delete(self, agent_id: str) -> Agent:
        return self.client.agents.delete(agent_id)

    def default_instance(self, agent: Agent) -> object:
        return self.client.agent_instances.get(agent.status.default_instance_id)

    def instances_of(self, agent: Agent) -> list[object]:
        """The agent's instances, as Stigmer lists them by agent."""
        return list(self.client.agent_instances.get_by_agent(
            agent_instance_io_pb2.GetAgentInstancesByAgentRequest(
                agent_id=agent.metadata.id, org=self.org)).items)


class AgentExecutions(Executions[AgentExecution]):
    """The agent executions of one organization: start them, plus the shared helper."""

    def __init__(self, client: StigmerClient, channel: grpc.Channel, org: str) -> None:
        stub = execution_query_grpc.AgentExecutionQueryControllerStub(channel)

        def stream(execution_id: str, timeout: float) -> Iterator[AgentExecution]:
            # The SDK's subscribe has no deadline: the official stub on the same channel has.
            return stub.subscribe(io_pb2.AgentExecutionId(value=execution_id), timeout=timeout)

        super().__init__(client.agent_executions, Phase, describe_execution, stream,
                         lambda i, why: io_pb2.CancelAgentExecutionInput(id=i, reason=why))
        self.client = client
        self.org = org
        self.created: dict[str, AgentExecution] = {}  # id -> the record create returned
        self._contexts = context_query_grpc.ExecutionContextQueryControllerStub(channel)

    def context_values(self, execution_id: str) -> dict[str, RuntimeValue]:
        """The runtime values Stigmer's ExecutionContext hands an agent-runner for an execution
        (``getByExecutionId``, what Stigmer's agent-runner reads), each with its secret mark."""
        context = self._contexts.getByExecutionId(
            context_io_pb2.ExecutionContextExecutionIdInput(execution_id=execution_id))
        return {name: RuntimeValue(entry.value, secret=entry.is_secret)
                for name, entry in context.spec.data.items()}

    def run(self, agent: Agent, message: str,
            runtime_env: Mapping[str, RuntimeValue | str] | None = None,
            model: str | None = None) -> AgentExecution:
        """Start an execution of ``agent`` with ``message``."""
        config = ExecutionConfigInput(model_name=model) if model else None
        execution = self._create(lambda: self.client.agent_executions.create(AgentExecutionInput(
            name=f"{agent.metadata.slug}-run", org=self.org, agent_id=agent.metadata.id,
            message=message, runtime_env=env_inputs(runtime_env), execution_config=config,
        )))
        self.created[execution.metadata.id] = execution
        return execution

    def send_status(self, execution_id: str, phase: str, extra_ai_message: str = "") -> None:
        """Push a status update as an agent-runner does (``update_status``): ``phase`` and the
        stored transcript, plus an AI message when given. Raises what Stigmer answers."""
        status = execution_api_pb2.AgentExecutionStatus()
        status.CopyFrom(self.get(execution_id).status)
        status.phase = self.phase_value(phase)  # type: ignore[assignment]
        if extra_ai_message:
            status.messages.add(type=MessageType.MESSAGE_AI, content=extra_ai_message)
        self.client.agent_executions.update_status(io_pb2.AgentExecutionUpdateStatusInput(
            execution_id=execution_id, status=status))

    def ids(self) -> list[str]:
        """Ids of every agent execution of this organization (all pages)."""
        return [e.metadata.id for page in self.pages() for e in page.entries]

    def pages(self, page_size: int = 100) -> list[io_pb2.AgentExecutionList]:
        """Every page of this organization's agent executions, following the page tokens."""
        pages: list[io_pb2.AgentExecutionList] = []
        token = ""
        while True:
            page = self.client.agent_executions.list(io_pb2.ListAgentExecutionsRequest(
                org=self.org, page_size=page_size, page_token=token))
            pages.append(page)
            token = page.next_page_token
            if not token:
                return pages
