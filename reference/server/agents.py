"""Agents: apply (create-or-update by org/slug), create, update, delete and queries."""

from __future__ import annotations

from enum import Enum
from typing import Any

from ai.stigmer.agentic.agent.v1 import api_pb2, status_pb2
from ai.stigmer.commons.apiresource import metadata_pb2

from . import errors, ids, instances, kinds, lookup, slugs
from .kinds import AGENT
from .store import DuplicateError, Record, Store, Tx


class Mode(Enum):
    """What a save may do: APPLY creates or updates, CREATE only creates, UPDATE only updates."""

    APPLY = "apply"
    CREATE = "create"
    UPDATE = "update"


class AgentService:
    """Agent commands and queries over the store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, incoming: api_pb2.Agent, mode: Mode) -> api_pb2.Agent:
        """Validate and persist an agent; a new agent also gets its default instance."""
        agent = api_pb2.Agent()
        agent.CopyFrom(incoming)
        _validate(agent)
        try:
            with self._store.write() as tx:
                existing = self._find_existing(tx, agent, mode)
                if existing is None:
                    if mode is Mode.UPDATE:
                        raise errors.not_found(f"Agent not found: {agent.metadata.slug}")
                    return _insert(tx, agent)
                if mode is Mode.CREATE:
                    raise errors.already_exists(
                        f"Agent already exists: {agent.metadata.org}/{agent.metadata.slug} "
                        f"(id {existing.id}); use apply to update it"
                    )
                return _replace(tx, existing, agent)
        except DuplicateError as exc:
            raise errors.already_exists(
                f"Agent already exists: {agent.metadata.org}/{agent.metadata.slug}"
            ) from exc

    def delete(self, agent_id: str) -> api_pb2.Agent:
        """Delete an agent and its instances; returns the deleted agent."""
        agent_id = lookup.require_id(AGENT, agent_id)
        with self._store.write() as tx:
            _, agent = lookup.by_id(tx, AGENT, agent_id)
            instances.delete_for_agent(tx, agent_id)
            tx.delete(agent_id)
        return agent

    def get(self, agent_id: str) -> api_pb2.Agent:
        """One agent by id."""
        agent_id = lookup.require_id(AGENT, agent_id)
        with self._store.read() as tx:
            return lookup.by_id(tx, AGENT, agent_id)[1]

    def get_by_reference(self, ref: Any) -> api_pb2.Agent:
        """One agent by org/slug."""
        with self._store.read() as tx:
            return lookup.by_reference(tx, AGENT, ref)[1]

    @staticmethod
    def _find_existing(tx: Tx, agent: api_pb2.Agent, mode: Mode) -> Record | None:
        if agent.metadata.id and mode is not Mode.CREATE:
            record = tx.get(agent.metadata.id, AGENT.key)
            if record is None:
                raise errors.not_found(f"Agent not found: {agent.metadata.id}")
            return record
        return tx.find_slug(AGENT.key, agent.metadata.org, agent.metadata.slug)


def _validate(agent: api_pb2.Agent) -> None:
    """Normalize metadata (org, slug, name) or raise INVALID_ARGUMENT."""
    if not agent.HasField("metadata"):
        raise errors.invalid("metadata is required (metadata.name at least)")
    kinds.normalize_metadata(agent, AGENT)
    meta = agent.metadata
    meta.name = meta.name.strip()
    if not meta.name and not meta.slug:
        raise errors.invalid("metadata.name is required")
    try:
        meta.slug = slugs.resolve(meta.name, meta.slug.strip())
    except slugs.InvalidSlugError as exc:
        raise errors.invalid(str(exc)) from exc
    meta.name = meta.name or meta.slug


def _insert(tx: Tx, agent: api_pb2.Agent) -> api_pb2.Agent:
    agent.metadata.id = ids.new_id(AGENT.prefix)
    agent.metadata.version.CopyFrom(
        metadata_pb2.ApiResourceMetadataVersion(
            id=ids.new_id(ids.VERSION), message=agent.metadata.version.message
        )
    )
    agent.status.CopyFrom(status_pb2.AgentStatus())
    kinds.stamp(agent, "created")
    instances.ensure_default(tx, agent)
    tx.insert(kinds.to_record(AGENT, agent))
    return agent


def _replace(tx: Tx, existing: Record, agent: api_pb2.Agent) -> api_pb2.Agent:
    current: api_pb2.Agent = AGENT.parse(existing)
    agent.metadata.id = existing.id
    agent.metadata.version.CopyFrom(
        metadata_pb2.ApiResourceMetadataVersion(
            id=ids.new_id(ids.VERSION),
            previous_version_id=current.metadata.version.id,
            message=agent.metadata.version.message,
            tag=agent.metadata.version.tag,
        )
    )
    agent.status.CopyFrom(current.status)  # status is server-owned
    kinds.stamp(agent, "updated")
    instances.ensure_default(tx, agent)
    tx.update(kinds.to_record(AGENT, agent))
    return agent
