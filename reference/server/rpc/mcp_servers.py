"""McpServerCommandController and McpServerQueryController (OAuth/connect: UNIMPLEMENTED)."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.mcpserver.v1 import (
    command_pb2,
    command_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
)

from ..agents import Mode
from ..mcp_servers import McpServerService
from .common import implements, in_thread, unary


@implements(command_pb2.DESCRIPTOR.services_by_name["McpServerCommandController"])
class McpServerCommandServicer(command_pb2_grpc.McpServerCommandControllerServicer):
    """apply / create / update / delete."""

    def __init__(self, servers: McpServerService) -> None:
        self._servers = servers

    @unary
    async def apply(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._servers.save, request, Mode.APPLY)

    @unary
    async def create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._servers.save, request, Mode.CREATE)

    @unary
    async def update(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._servers.save, request, Mode.UPDATE)

    @unary
    async def delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._servers.delete, request.resource_id)


@implements(query_pb2.DESCRIPTOR.services_by_name["McpServerQueryController"])
class McpServerQueryServicer(query_pb2_grpc.McpServerQueryControllerServicer):
    """get / getByReference."""

    def __init__(self, servers: McpServerService) -> None:
        self._servers = servers

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._servers.get, request.value)

    @unary
    async def getByReference(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._servers.get_by_reference, request)


def register(server: grpc.aio.Server, servers: McpServerService) -> None:
    """Add both MCP server services to ``server``."""
    command_pb2_grpc.add_McpServerCommandControllerServicer_to_server(
        McpServerCommandServicer(servers), server
    )
    query_pb2_grpc.add_McpServerQueryControllerServicer_to_server(
        McpServerQueryServicer(servers), server
    )
