"""SessionCommandController (create, delete) and SessionQueryController (get)."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.session.v1 import command_pb2, command_pb2_grpc, query_pb2, query_pb2_grpc

from ..sessions import SessionService
from .common import implements, in_thread, unary
from .servicers import DeleteById, GetById


@implements(command_pb2.DESCRIPTOR.services_by_name["SessionCommandController"])
class SessionCommandServicer(DeleteById, command_pb2_grpc.SessionCommandControllerServicer):
    """create / delete."""

    @unary
    async def create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.create, request)


@implements(query_pb2.DESCRIPTOR.services_by_name["SessionQueryController"])
class SessionQueryServicer(GetById, query_pb2_grpc.SessionQueryControllerServicer):
    """get."""


def register(server: grpc.aio.Server, sessions: SessionService) -> None:
    """Add both session services to ``server``."""
    command_pb2_grpc.add_SessionCommandControllerServicer_to_server(
        SessionCommandServicer(sessions), server
    )
    query_pb2_grpc.add_SessionQueryControllerServicer_to_server(
        SessionQueryServicer(sessions), server
    )
