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


@implements(command_pb2.DESCRIPTOR.services_by_name["AgentInstanceCommandController"])
class AgentInstanceCommandServicer(command_pb2_grpc.AgentInstanceCommandControllerServicer):
    """Every RPC answers UNIMPLEMENTED (named)."""


@implements(query_pb2.DESCRIPTOR.services_by_name["AgentInstanceQueryController"])
class AgentInstanceQueryServicer(query_pb2_grpc.AgentInstanceQueryControllerServicer):
    """get / getByAgent / getByReference / list."""

    def __init__(self, instances: InstanceService) -> None:
        self._instances = instances

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._instances.get, request.value)

    @unary
    async def getByAgent(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._instances.get_by_agent, request)

    @unary
    async def getByReference(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._instances.get_by_reference, request)

    @unary
    async def list(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._instances.list, request)


def register(server: grpc.aio.Server, instances: InstanceService) -> None:
    """Add both agent-instance services to ``server``."""
    command_pb2_grpc.add_AgentInstanceCommandControllerServicer_to_server(
        AgentInstanceCommandServicer(), server
    )
    query_pb2_grpc.add_AgentInstanceQueryControllerServicer_to_server(
        AgentInstanceQueryServicer(instances), server
    )
