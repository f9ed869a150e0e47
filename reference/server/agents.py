"""Agents: apply (create-or-update by org/slug), create, update, delete and queries.

A new or updated agent always has a default instance (``status.default_instance_id``);
deleting an agent deletes its instances.
"""

from __future__ import annotations

from typing import Any

from ai.stigmer.agentic.agent.v1 import api_pb2

from . import instances
from .kinds import AGENT
from .resources import Mode, SlugResourceService
from .store import Tx

__all__ = ["AgentService", "Mode"]


class AgentService(SlugResourceService[api_pb2.Agent]):
    """Agent commands and queries over the store."""

    kind = AGENT

    def _before_write(self, tx: Tx, resource: Any) -> None:
        instances.ensure_default(tx, resource)

    def _delete_dependents(self, tx: Tx, resource_id: str) -> None:
        instances.delete_for_agent(tx, resource_id)
