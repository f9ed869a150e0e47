"""The suite's Stigmer client: the official ``stigmer`` SDK, plus waits and streams."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import grpc
from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api_pb2
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api_pb2
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2, io_pb2
from ai.stigmer.agentic.agentexecution.v1 import query_pb2_grpc as execution_query_grpc
from ai.stigmer.agentic.agentinstance.v1 import io_pb2 as agent_instance_io_pb2
from ai.stigmer.commons.apiresource.io_pb2 import ApiResourceReference
from stigmer import (
    AgentExecutionInput,
    AgentInput,
    ExecutionConfigInput,
    ListParams,
    McpAccessInput,
    McpServerUsageInput,
    ResourceRef,
    StigmerClient,
    StigmerError,
    SubAgentInput,
    ToolApprovalOverrideInput,
)
from stigmer._gen._agent import EnvVarDeclarationInput
from stigmer._gen._types import EnvVarInput

from harness.capability_api import CapabilityApiMixin, McpServer
from harness.grpc_deadline import deadline_client
from harness.manifests import Manifest
from harness.waiting import wait_until
from harness.workflow_api import Workflow, WorkflowApiMixin

Agent = agent_api_pb2.Agent
AgentExecution = execution_api_pb2.AgentExecution
Phase = enum_pb2.ExecutionPhase
MessageType = enum_pb2.MessageType

TERMINAL_PHASES = frozenset(
    {Phase.EXECUTION_COMPLETED, Phase.EXECUTION_FAILED, Phase.EXECUTION_CANCELLED,
     Phase.EXECUTION_TERMINATED}
)


def phase_name(phase: int) -> str:
    """``EXECUTION_COMPLETED`` -> ``COMPLETED``."""
    return Phase.Name(phase).removeprefix("EXECUTION_")


def phase_value(name: str) -> enum_pb2.ExecutionPhase:
    """``completed`` / ``COMPLETED`` / ``EXECUTION_COMPLETED`` -> enum value."""
    upper = name.strip().upper().replace(" ", "_")
    # types-protobuf types EnumTypeWrapper.Value as int; the generated stubs, the enum itself
    return Phase.Value(  # type: ignore[return-value]
        upper if upper.startswith("EXECUTION_") else f"EXECUTION_{upper}")


def message_type_name(kind: int) -> str:
    return MessageType.Name(kind).removeprefix("MESSAGE_")


def describe_execution(execution: AgentExecution) -> str:
    """One line: phase, message counts, and the last message (for timeout reports)."""
    messages = execution.status.messages
    last = messages[-1].content.strip().replace("\n", " ")[:120] if messages else "-"
    return (f"{execution.metadata.id} phase={phase_name(execution.status.phase)} "
            f"messages={len(messages)} last={last!r}")


@dataclass
class RuntimeValue:
    value: str
    secret: bool = False


@dataclass
class FollowedExecution:
    """What a subscriber saw: every snapshot in order, and the final one."""

    snapshots: list[AgentExecution] = field(default_factory=list)

    @property
    def final(self) -> AgentExecution:
        return self.snapshots[-1]

    @property
    def phases(self) -> list[str]:
        seen: list[str] = []
        for snapshot in self.snapshots:
            name = phase_name(snapshot.status.phase)
            if not seen or seen[-1] != name:
                seen.append(name)
        return seen


def _ref(proto_ref: ApiResourceReference) -> ResourceRef:
    return ResourceRef(org=proto_ref.org, slug=proto_ref.slug, version=proto_ref.version)


def agent_input_from_proto(agent: Agent) -> AgentInput:
    """The SDK's typed input for an ``Agent`` protobuf (built from a manifest)."""
    spec, metadata = agent.spec, agent.metadata
    return AgentInput(
        name=metadata.name,
        org=metadata.org,
        slug=metadata.slug or None,
        labels=dict(metadata.labels) or None,
        visibility=metadata.visibility,
        description=spec.description,
        icon_url=spec.icon_url,
        instructions=spec.instructions,
        skill_refs=[_ref(ref) for ref in spec.skill_refs],
        mcp_server_usages=[
            McpServerUsageInput(
                mcp_server_ref=_ref(usage.mcp_server_ref),
                enabled_tools=list(usage.enabled_tools),
                tool_approval_overrides=[
                    ToolApprovalOverrideInput(tool_name=o.tool_name,
                                              requires_approval=o.requires_approval,
                                              message=o.message)
                    for o in usage.tool_approval_overrides
                ],
            )
            for usage in spec.mcp_server_usages
        ],
        sub_agents=[
            SubAgentInput(
                name=sub.name, description=sub.description, instructions=sub.instructions,
                model_override=sub.model_override,
                mcp_access=[McpAccessInput(mcp_server=access.mcp_server,
                                           enabled_tools=list(access.enabled_tools))
                            for access in sub.mcp_access],
                skill_refs=[_ref(ref) for ref in sub.skill_refs],
            )
            for sub in spec.sub_agents
        ],
        env={
            key: EnvVarDeclarationInput(is_secret=decl.is_secret, description=decl.description,
                                        optional=decl.optional)
            for key, decl in spec.env.items()
        },
    )


class StigmerApi(WorkflowApiMixin, CapabilityApiMixin):
    """Everything the steps do through Stigmer's API, scoped to one organization."""

    def __init__(self, address: str, api_key: str, org: str, call_timeout: float = 30.0) -> None:
        self.address = address
        self.org = org
        # Every SDK call gets a deadline: a server that stops answering fails the step.
        self.client: StigmerClient = deadline_client(api_key, address, call_timeout)
        self.created: dict[str, AgentExecution] = {}  # execution id -> the record create returned

    def close(self) -> None:
        self.client.close()

    # -- agents ---------------------------------------------------------------------------
    def apply(self, manifest: Manifest, values: Mapping[str, str] | None = None
              ) -> Agent | Workflow | McpServer:
        """Create or update the resource of a manifest in this organization (``values``
        fill its ``{{ name }}`` placeholders)."""
        if manifest.kind == "Workflow":
            workflow = manifest.to_proto(org=self.org, values=values)
            assert isinstance(workflow, Workflow)
            return self.apply_workflow(workflow)
        if manifest.kind == "McpServer":
            return self.apply_mcp_server(manifest, values)
        agent = manifest.to_proto(org=self.org, values=values)
        assert isinstance(agent, Agent), f"{manifest.kind} is not an Agent"
        return self.client.agents.apply(agent_input_from_proto(agent))

    def apply_all(self, manifests: Iterable[Manifest]) -> list[Agent | Workflow | McpServer]:
        return [self.apply(manifest) for manifest in manifests]

    def get_agent(self, slug: str) -> Agent:
        return self.client.agents.get_by_reference(ResourceRef(org=self.org, slug=slug))

    def find_agent(self, slug: str) -> Agent | None:
        """The agent, or None when Stigmer says it does not exist."""
        try:
            return self.get_agent(slug)
        except StigmerError as error:
            if error.grpc_code == grpc.StatusCode.NOT_FOUND:
                return None
            raise

    def list_agents(self) -> list[str]:
        """Slugs (or names) of the agents of this organization."""
        result = self.client.agents.list(ListParams(org=self.org))
        return [_search_entry_name(entry) for entry in result.entries]

    def delete_agent(self, agent_id: str) -> Agent:
        return self.client.agents.delete(agent_id)

    def default_instance(self, agent: Agent) -> object:
        return self.client.agent_instances.get(agent.status.default_instance_id)

    def instances_of(self, agent: Agent) -> list[object]:
        """The agent's instances, as Stigmer lists them by agent."""
        return list(self.client.agent_instances.get_by_agent(
            agent_instance_io_pb2.GetAgentInstancesByAgentRequest(
                agent_id=agent.metadata.id, org=self.org)).items)

    # -- executions -------------------------------------------------------------------------
    def run(
        self,
        agent: Agent,
        message: str,
        runtime_env: Mapping[str, RuntimeValue] | None = None,
        model: str | None = None,
    ) -> AgentExecution:
        """Start an execution of ``agent`` with ``message``."""
        env = {key: EnvVarInput(value=v.value, is_secret=v.secret)
               for key, v in (runtime_env or {}).items()}
        config = ExecutionConfigInput(model_name=model) if model else None
        execution = self.client.agent_executions.create(AgentExecutionInput(
            name=f"{agent.metadata.slug}-run", org=self.org, agent_id=agent.metadata.id,
            message=message, runtime_env=env, execution_config=config,
        ))
        self.created[execution.metadata.id] = execution
        return execution

    def send_status(self, execution_id: str, phase: str, extra_ai_message: str = "") -> None:
        """Push a status update as an agent-runner does (``update_status``): ``phase`` and the
        stored transcript, plus an AI message when given. Raises what Stigmer answers."""
        status = execution_api_pb2.AgentExecutionStatus()
        status.CopyFrom(self.execution(execution_id).status)
        status.phase = phase_value(phase)
        if extra_ai_message:
            status.messages.add(type=MessageType.MESSAGE_AI, content=extra_ai_message)
        self.client.agent_executions.update_status(io_pb2.AgentExecutionUpdateStatusInput(
            execution_id=execution_id, status=status))

    def execution(self, execution_id: str) -> AgentExecution:
        return self.client.agent_executions.get(execution_id)

    def cancel(self, execution_id: str, reason: str = "cancelled by the acceptance suite"):
        return self.client.agent_executions.cancel(
            io_pb2.CancelAgentExecutionInput(id=execution_id, reason=reason)
        )

    def wait_for_phase(
        self, execution_id: str, phase: str, timeout: float, interval: float = 0.5
    ) -> AgentExecution:
        """Poll until the execution reaches ``phase``; a different terminal phase ends the
        wait at once, and the timeout message names the phase it was stuck in."""
        wanted = phase_value(phase)

        def aborted(execution: AgentExecution) -> str | None:
            current = execution.status.phase
            if current in TERMINAL_PHASES and current != wanted:
                return f"it ended {describe_execution(execution)}"
            return None

        return wait_until(
            lambda: self.execution(execution_id),
            lambda execution: execution.status.phase == wanted,
            timeout=timeout, interval=interval, what=f"{execution_id} to be {phase_name(wanted)}",
            describe=describe_execution, abort=aborted,
        )

    def list_execution_ids(self) -> list[str]:
        """Ids of every agent execution of this organization (all pages)."""
        return [e.metadata.id for page in self.list_execution_pages() for e in page.entries]

    def list_execution_pages(self, page_size: int = 100) -> list[io_pb2.AgentExecutionList]:
        """Every page of this organization's agent executions, following the page tokens."""
        pages: list[io_pb2.AgentExecutionList] = []
        token = ""
        while True:
            page = self.client.agent_executions.list(io_pb2.ListAgentExecutionsRequest(
                org=self.org, page_size=page_size, page_token=token))
            pages.append(page)
            token = getattr(page, "next_page_token", "")
            if not token:
                return pages

    def wait_until_terminal(self, execution_id: str, timeout: float) -> AgentExecution:
        return wait_until(
            lambda: self.execution(execution_id),
            lambda execution: execution.status.phase in TERMINAL_PHASES,
            timeout=timeout, what=f"{execution_id} to finish", describe=describe_execution,
        )

    def follow(self, execution_id: str, timeout: float) -> FollowedExecution:
        """Subscribe to the execution's stream until it ends (or the deadline passes).

        The SDK's ``subscribe`` has no deadline, so this uses the official generated stub on
        the SDK's own channel with one.
        """
        stub = execution_query_grpc.AgentExecutionQueryControllerStub(self.client._channel)
        followed = FollowedExecution()
        started = time.monotonic()
        try:
            for snapshot in stub.subscribe(io_pb2.AgentExecutionId(value=execution_id),
                                           timeout=timeout):
                followed.snapshots.append(snapshot)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise
            last = describe_execution(followed.final) if followed.snapshots else "nothing"
            raise TimeoutError(
                f"the stream of {execution_id} did not end within {timeout:g}s "
                f"({time.monotonic() - started:.1f}s, last: {last})"
            ) from None
        return followed


def _search_entry_name(entry: object) -> str:
    for attribute in ("slug", "name"):
        value = getattr(entry, attribute, "")
        if value:
            return str(value)
    metadata = getattr(entry, "metadata", None)
    return str(getattr(metadata, "slug", "") or getattr(metadata, "name", ""))
