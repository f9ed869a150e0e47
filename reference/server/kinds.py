"""The resource kinds the server stores, and how a protobuf resource maps to a store record.

Adding a kind (workflows, workflow executions, ...) is one more :class:`Kind` entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from ai.stigmer.agentic.agentinstance.v1 import api_pb2 as instance_api
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_server_api
from ai.stigmer.agentic.session.v1 import api_pb2 as session_api
from ai.stigmer.agentic.skill.v1 import api_pb2 as skill_api
from ai.stigmer.agentic.workflow.v1 import api_pb2 as workflow_api
from ai.stigmer.agentic.workflowexecution.v1 import api_pb2 as workflow_execution_api
from ai.stigmer.commons.apiresource.apiresourcekind import api_resource_kind_pb2 as kind_pb2
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from . import ids
from .store import Record

API_VERSION = "agentic.stigmer.ai/v1"
DEFAULT_ORG = "local"


@dataclass(frozen=True)
class Kind:
    """A stored resource kind: its store key, API names, id prefix and message class."""

    key: str
    title: str
    label: str
    api_kind: kind_pb2.ApiResourceKind
    prefix: str
    message: type[Message]
    unique_slug: bool
    searchable: bool

    def parse(self, record: Record) -> Any:
        """Decode a record's protobuf."""
        return self.message.FromString(record.data)


AGENT = Kind(
    key="agent", title="Agent", label="Agent", api_kind=kind_pb2.agent, prefix=ids.AGENT,
    message=agent_api.Agent, unique_slug=True, searchable=True,
)
AGENT_INSTANCE = Kind(
    key="agent_instance", title="AgentInstance", label="Agent instance",
    api_kind=kind_pb2.agent_instance, prefix=ids.AGENT_INSTANCE,
    message=instance_api.AgentInstance, unique_slug=True, searchable=True,
)
SESSION = Kind(
    key="session", title="Session", label="Session", api_kind=kind_pb2.session,
    prefix=ids.SESSION, message=session_api.Session, unique_slug=False, searchable=False,
)
AGENT_EXECUTION = Kind(
    key="agent_execution", title="AgentExecution", label="Agent execution",
    api_kind=kind_pb2.agent_execution, prefix=ids.AGENT_EXECUTION,
    message=execution_api.AgentExecution, unique_slug=False, searchable=False,
)

WORKFLOW = Kind(
    key="workflow", title="Workflow", label="Workflow", api_kind=kind_pb2.workflow,
    prefix=ids.WORKFLOW, message=workflow_api.Workflow, unique_slug=True, searchable=True,
)
WORKFLOW_EXECUTION = Kind(
    key="workflow_execution", title="WorkflowExecution", label="Workflow execution",
    api_kind=kind_pb2.workflow_execution, prefix=ids.WORKFLOW_EXECUTION,
    message=workflow_execution_api.WorkflowExecution, unique_slug=False, searchable=False,
)

SKILL = Kind(
    key="skill", title="Skill", label="Skill", api_kind=kind_pb2.skill, prefix=ids.SKILL,
    message=skill_api.Skill, unique_slug=True, searchable=True,
)
MCP_SERVER = Kind(
    key="mcp_server", title="McpServer", label="MCP server", api_kind=kind_pb2.mcp_server,
    prefix=ids.MCP_SERVER, message=mcp_server_api.McpServer, unique_slug=True, searchable=True,
)

ALL: tuple[Kind, ...] = (
    AGENT, AGENT_INSTANCE, SESSION, AGENT_EXECUTION, WORKFLOW, WORKFLOW_EXECUTION,
    SKILL, MCP_SERVER,
)
BY_API_KIND: dict[int, Kind] = {kind.api_kind: kind for kind in ALL}
BY_KEY: dict[str, Kind] = {kind.key: kind for kind in ALL}


def to_record(
    kind: Kind, resource: Any, *, parent_id: str = "", root_id: str = "", phase: int = 0
) -> Record:
    """Build the store record of ``resource`` (metadata.id/org/slug must be set)."""
    meta = resource.metadata
    return Record(
        id=meta.id, kind=kind.key, org=meta.org, slug=meta.slug, slug_unique=kind.unique_slug,
        name=meta.name, parent_id=parent_id, root_id=root_id, phase=phase,
        data=resource.SerializeToString(deterministic=True),
    )


def stamp(resource: Any, event: str, *, spec: bool = True) -> None:
    """Record ``event`` ("created", "updated", ...) in ``status.audit`` with the current time.

    ``spec`` chooses spec_audit (definition changes) or status_audit (status changes);
    a "created" stamp fills both.
    """
    now = Timestamp()
    now.GetCurrentTime()
    audit = resource.status.audit
    targets = [audit.spec_audit, audit.status_audit] if event == "created" else (
        [audit.spec_audit] if spec else [audit.status_audit]
    )
    for info in targets:
        if event == "created":
            info.created_at.CopyFrom(now)
        info.updated_at.CopyFrom(now)
        info.event = event


def normalize_metadata(resource: Any, kind: Kind) -> None:
    """Fill api_version/kind and default ``metadata.org`` to ``local``."""
    resource.api_version = API_VERSION
    resource.kind = kind.title
    if not resource.metadata.org:
        resource.metadata.org = DEFAULT_ORG
