"""McpServerCommandController and McpServerQueryController (OAuth/connect: UNIMPLEMENTED)."""

from __future__ import annotations

import grpc
from ai.stigmer.agentic.mcpserver.v1 import (
    command_pb2,
    command_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
)

from ..mcp_servers import McpServerService
from .common import implements
from .servicers import ResourceCommands, ResourceQueries


@implements(command_pb2.DESCRIPTOR.services_by_name["McpServerCommandController"])
class McpServerCommandServicer(
    ResourceCommands, command_pb2_grpc.McpServerCommandControllerServicer
):
    """apply / create / update / delete (by ``resource_id``)."""

    delete_field = "resource_id"


@implements(query_pb2.DESCRIPTOR.services_by_name["McpServerQueryController"])
class McpServerQueryServicer(ResourceQueries, query_pb2_grpc.McpServerQueryControllerServicer):
    """get / getByReference."""


def register(server: grpc.aio.Server, servers: McpServerService) -> None:
    """Add both MCP server services to ``server``."""
    command_pb2_grpc.add_McpServerCommandControllerServicer_to_server(
        McpServerCommandServicer(servers), server
    )
    query_pb2_grpc.add_McpServerQueryControllerServicer_to_server(
        McpServerQueryServicer(servers), server
    )
