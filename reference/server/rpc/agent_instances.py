"""AgentInstanceQueryController (commands are UNIMPLEMENTED: instances come with agents)."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.agentinstance.v1 import (
    command_pb2,
    command_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
)

from ..instances import InstanceService
from .common import implements, in_thread, unary
from .servicers import ResourceQueries


@implements(command_pb2.DESCRIPTOR.services_by_name["AgentInstanceCommandController"])
class AgentInstanceCommandServicer(command_pb2_grpc.AgentInstanceCommandControllerServicer):
    """Every RPC answers UNIMPLEMENTED (named)."""


@implements(query_pb2.DESCRIPTOR.services_by_name["AgentInstanceQueryController"])
class AgentInstanceQueryServicer(
    ResourceQueries, query_pb2_grpc.AgentInstanceQueryControllerServicer
):
    """get / getByAgent / getByReference / list."""

    @unary
    async def getByAgent(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.get_by_agent, request)

    @unary
    async def list(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.list, request)


def register(server: grpc.aio.Server, instances: InstanceService) -> None:
    """Add both agent-instance services to ``server``."""
    command_pb2_grpc.add_AgentInstanceCommandControllerServicer_to_server(
        AgentInstanceCommandServicer(), server
    )
    query_pb2_grpc.add_AgentInstanceQueryControllerServicer_to_server(
        AgentInstanceQueryServicer(instances), server
    )
