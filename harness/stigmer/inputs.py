"""Resources as the official SDK takes them: its typed inputs, made from the protobufs that
manifests become (``harness.stigmer.manifests``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api_pb2
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api_pb2
from ai.stigmer.agentic.workflow.v1 import api_pb2 as workflow_api_pb2
from ai.stigmer.commons.apiresource.io_pb2 import ApiResourceReference
from google.protobuf import json_format
from stigmer import (
    AgentInput,
    ExportInput,
    FlowControlInput,
    HttpServerConfigInput,
    McpAccessInput,
    McpServerInput,
    McpServerUsageInput,
    ResourceRef,
    StdioServerConfigInput,
    SubAgentInput,
    ToolApprovalOverrideInput,
    WorkflowDocumentInput,
    WorkflowInput,
    WorkflowTaskInput,
)

# The one SDK input without a public name (the stigmer package does not export it).
from stigmer._gen._agent import EnvVarDeclarationInput

Agent = agent_api_pb2.Agent
McpServer = mcp_api_pb2.McpServer
Workflow = workflow_api_pb2.Workflow


def env_declarations(env: Mapping[str, Any]) -> dict[str, EnvVarDeclarationInput]:
    """A resource's declared environment (``spec.env``) as the SDK takes it."""
    return {key: EnvVarDeclarationInput(is_secret=decl.is_secret, description=decl.description,
                                        optional=decl.optional)
            for key, decl in env.items()}


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
        env=env_declarations(spec.env),
    )


def _task_input(task: Any) -> WorkflowTaskInput:
    return WorkflowTaskInput(
        kind=task.kind, name=task.name,
        task_config=json_format.MessageToDict(task.task_config),
        export=ExportInput(as_=getattr(task.export, "as")) if getattr(task.export, "as")
        else None,
        flow=FlowControlInput(then=task.flow.then) if task.flow.then else None,
        compensate=[_task_input(c) for c in task.compensate],
    )


def workflow_input_from_proto(workflow: Workflow) -> WorkflowInput:
    """The SDK's typed input for a ``Workflow`` protobuf (built from a manifest)."""
    spec, metadata = workflow.spec, workflow.metadata
    document = None
    if spec.HasField("document"):
        d = spec.document
        document = WorkflowDocumentInput(namespace=d.namespace, name=d.name, version=d.version,
                                         dsl=d.dsl, description=d.description)
    return WorkflowInput(
        name=metadata.name, org=metadata.org, document=document, slug=metadata.slug or None,
        labels=dict(metadata.labels) or None, description=spec.description,
        tasks=[_task_input(task) for task in spec.tasks],
        env=env_declarations(spec.env),
    )


def mcp_server_input_from_proto(server: McpServer) -> McpServerInput:
    """The SDK's typed input for an ``McpServer`` protobuf (built from a manifest)."""
    spec, metadata = server.spec, server.metadata
    kind = spec.WhichOneof("server_type")
    return McpServerInput(
        name=metadata.name, org=metadata.org, slug=metadata.slug or None,
        labels=dict(metadata.labels) or None, description=spec.description,
        icon_url=spec.icon_url, tags=list(spec.tags),
        stdio=StdioServerConfigInput(command=spec.stdio.command, args=list(spec.stdio.args),
                                     working_dir=spec.stdio.working_dir)
        if kind == "stdio" else None,
        http=HttpServerConfigInput(url=spec.http.url, headers=dict(spec.http.headers),
                                   query_params=dict(spec.http.query_params),
                                   timeout_seconds=spec.http.timeout_seconds)
        if kind == "http" else None,
        default_enabled_tools=list(spec.default_enabled_tools),
        env=env_declarations(spec.env),
    )
