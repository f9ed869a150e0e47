"""Finding and applying resources through the SDK (by slug or id, per kind)."""

from __future__ import annotations

from typing import Any

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api_pb2
from ai.stigmer.agentic.workflow.v1 import api_pb2 as workflow_api_pb2
from google.protobuf.message import Message
from stigmer import ResourceRef, StigmerClient, StigmerError

from reference.cli.errors import (
    CliError,
    is_invalid_argument,
    is_not_found,
    is_unavailable,
    is_unimplemented,
    not_found_error,
)
from reference.cli.manifests import Manifest

AGENT_ID_PREFIX = "agt-"
WORKFLOW_ID_PREFIX = "wfl-"


class _Prebuilt:
    """Hands a ready-made proto to an SDK method that expects an `*Input` (`_to_proto()`).

    Manifests are parsed straight onto the protos, so nothing is lost converting back.
    """

    def __init__(self, message: Message) -> None:
        self._message = message

    def _to_proto(self) -> Message:
        return self._message


def sdk_for(client: StigmerClient, kind: str) -> Any:
    if kind == "Agent":
        return client.agents
    if kind == "Workflow":
        return client.workflows
    if kind == "McpServer":
        return client.mcp_servers
    raise CliError(f"unsupported kind {kind!r}")


def _lookup(sdk: Any, org: str, name: str, id_prefix: str) -> Any | None:
    """Get by id (when `name` looks like one) or by slug; None when it does not exist.

    An invalid slug cannot name an existing resource, so INVALID_ARGUMENT means "none" too.
    UNAVAILABLE and the rest propagate.
    """
    try:
        if name.startswith(id_prefix):
            return sdk.get(name)
        return sdk.get_by_reference(ResourceRef(org=org, slug=name))
    except StigmerError as exc:
        if is_not_found(exc) or is_invalid_argument(exc):
            return None
        raise


def find_agent(client: StigmerClient, org: str, name: str) -> agent_api_pb2.Agent | None:
    """The agent with this slug (or id) in `org`, or None."""
    return _lookup(client.agents, org, name, AGENT_ID_PREFIX)


def require_agent(client: StigmerClient, org: str, name: str) -> agent_api_pb2.Agent:
    """The agent with this slug (or id), or `No agent found for NAME` (exit 2)."""
    agent = find_agent(client, org, name)
    if agent is None:
        raise not_found_error("agent", name)
    return agent


def find_workflow(
    client: StigmerClient, org: str, name: str
) -> workflow_api_pb2.Workflow | None:
    """The workflow with this slug (or id), or None (also when the server has no workflows)."""
    try:
        return _lookup(client.workflows, org, name, WORKFLOW_ID_PREFIX)
    except StigmerError as exc:
        if is_unimplemented(exc):
            return None
        raise


def find_existing(client: StigmerClient, manifest: Manifest) -> Message | None:
    """The already-applied resource a manifest would update, or None.

    Unsupported lookups (UNIMPLEMENTED) count as "none": the apply itself then reports.
    """
    sdk = sdk_for(client, manifest.kind)
    try:
        return _lookup(sdk, manifest.org, manifest.slug, "\0")
    except StigmerError as exc:
        if is_unavailable(exc):
            raise
        return None


def apply_manifest(client: StigmerClient, manifest: Manifest) -> Message:
    """Apply (create or update) one resource; returns the stored resource."""
    return sdk_for(client, manifest.kind).apply(_Prebuilt(manifest.resource))
