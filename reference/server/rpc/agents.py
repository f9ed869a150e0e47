"""AgentCommandController and AgentQueryController."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.agent.v1 import command_pb2, command_pb2_grpc, query_pb2, query_pb2_grpc

from ..agents import AgentService, Mode
from .common import implements, in_thread, unary


@implements(command_pb2.DESCRIPTOR.services_by_name["AgentCommandController"])
class AgentCommandServicer(command_pb2_grpc.AgentCommandControllerServicer):
    """apply / create / update / delete."""

    def __init__(self, agents: AgentService) -> None:
        self._agents = agents

    @unary
    async def apply(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._agents.save, request, Mode.APPLY)

    @unary
    async def create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._agents.save, request, Mode.CREATE)

    @unary
    async def update(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._agents.save, request, Mode.UPDATE)

    @unary
    async def delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._agents.delete, request.value)


@implements(query_pb2.DESCRIPTOR.services_by_name["AgentQueryController"])
class AgentQueryServicer(query_pb2_grpc.AgentQueryControllerServicer):
    """get / getByReference."""

    def __init__(self, agents: AgentService) -> None:
        self._agents = agents

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._agents.get, request.value)

    @unary
    async def getByReference(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._agents.get_by_reference, request)


def register(server: grpc.aio.Server, agents: AgentService) -> None:
    """Add both agent services to ``server``."""
    command_pb2_grpc.add_AgentCommandControllerServicer_to_server(
        AgentCommandServicer(agents), server
    )
    query_pb2_grpc.add_AgentQueryControllerServicer_to_server(AgentQueryServicer(agents), server)
