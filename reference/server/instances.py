"""Agent instances: each agent's default instance, and the instance queries."""

from __future__ import annotations

from typing import Any

from ai.stigmer.agentic.agentinstance.v1 import api_pb2, io_pb2, spec_pb2
from ai.stigmer.commons.apiresource import metadata_pb2

from . import ids, kinds, lookup, paging
from .kinds import AGENT, AGENT_INSTANCE
from .resources import ResourceReader
from .store import Query, Tx

DEFAULT_DESCRIPTION = "Default instance (auto-created, no custom configuration)"


def ensure_default(tx: Tx, agent: Any) -> api_pb2.AgentInstance:
    """Return the agent's default instance, creating it when missing.

    Sets ``agent.status.default_instance_id``; the caller persists the agent.
    """
    agent_id = agent.metadata.id
    current = agent.status.default_instance_id
    if current:
        record = tx.get(current, AGENT_INSTANCE.key)
        if record is not None:
            return AGENT_INSTANCE.parse(record)
    slug = f"{agent.metadata.slug}-default"
    existing = tx.find_slug(AGENT_INSTANCE.key, agent.metadata.org, slug)
    if existing is not None and existing.parent_id == agent_id:
        agent.status.default_instance_id = existing.id
        return AGENT_INSTANCE.parse(existing)
    if existing is not None:  # taken by another agent's instance: keep slugs unique
        slug = f"{slug}-{agent_id[-6:].lower()}"
    instance = api_pb2.AgentInstance(
        metadata=metadata_pb2.ApiResourceMetadata(
            id=ids.new_id(AGENT_INSTANCE.prefix), name=slug, slug=slug, org=agent.metadata.org,
            visibility=agent.metadata.visibility,
        ),
        spec=spec_pb2.AgentInstanceSpec(agent_id=agent_id, description=DEFAULT_DESCRIPTION),
    )
    kinds.normalize_metadata(instance, AGENT_INSTANCE)
    kinds.stamp(instance, "created")
    tx.insert(kinds.to_record(AGENT_INSTANCE, instance, parent_id=agent_id, root_id=agent_id))
    agent.status.default_instance_id = instance.metadata.id
    return instance


def delete_for_agent(tx: Tx, agent_id: str) -> int:
    """Delete every instance of an agent; returns how many were deleted."""
    records = tx.select(Query(kinds=[AGENT_INSTANCE.key], parent_id=agent_id))
    for record in records:
        tx.delete(record.id)
    return len(records)


class InstanceService(ResourceReader[api_pb2.AgentInstance]):
    """Read operations on agent instances."""

    kind = AGENT_INSTANCE

    def get_by_agent(self, request: io_pb2.GetAgentInstancesByAgentRequest) -> Any:
        """The instances of one agent (the agent must exist)."""
        agent_id = lookup.require_id(AGENT, request.agent_id, "agent_id")
        window = paging.by_number(request.page_info.num, request.page_info.size)
        with self._store.read() as tx:
            lookup.by_id(tx, AGENT, agent_id)
            query = Query(
                kinds=[AGENT_INSTANCE.key], parent_id=agent_id, org=request.org or None,
                newest_first=False,
            )
            total = tx.count(query)
            records = tx.select(query, window.limit, window.offset)
        return io_pb2.AgentInstanceList(
            total_count=total, items=[AGENT_INSTANCE.parse(r) for r in records]
        )

    def list(self, request: io_pb2.ListAgentInstancesRequest) -> Any:
        """Instances of an org (all orgs when empty), optionally filtered by labels."""
        window = paging.by_number(request.page_info.num, request.page_info.size)
        with self._store.read() as tx:
            records = tx.select(
                Query(kinds=[AGENT_INSTANCE.key], org=request.org or None, newest_first=False)
            )
        items = [AGENT_INSTANCE.parse(r) for r in records]
        wanted = dict(request.labels)
        if wanted:
            items = [i for i in items if all(i.metadata.labels.get(k) == v
                                             for k, v in wanted.items())]
        page = items[window.offset:window.offset + window.limit]
        return io_pb2.AgentInstanceList(total_count=len(items), items=page)
