"""AgentCommandController and AgentQueryController."""

from __future__ import annotations

import grpc
from ai.stigmer.agentic.agent.v1 import command_pb2, command_pb2_grpc, query_pb2, query_pb2_grpc

from ..agents import AgentService
from .common import implements
from .servicers import ResourceCommands, ResourceQueries


@implements(command_pb2.DESCRIPTOR.services_by_name["AgentCommandController"])
class AgentCommandServicer(ResourceCommands, command_pb2_grpc.AgentCommandControllerServicer):
    """apply / create / update / delete."""


@implements(query_pb2.DESCRIPTOR.services_by_name["AgentQueryController"])
class AgentQueryServicer(ResourceQueries, query_pb2_grpc.AgentQueryControllerServicer):
    """get / getByReference."""


def register(server: grpc.aio.Server, agents: AgentService) -> None:
    """Add both agent services to ``server``."""
    command_pb2_grpc.add_AgentCommandControllerServicer_to_server(
        AgentCommandServicer(agents), server
    )
    query_pb2_grpc.add_AgentQueryControllerServicer_to_server(AgentQueryServicer(agents), server)
