"""SessionCommandController (create, delete) and SessionQueryController (get)."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.session.v1 import command_pb2, command_pb2_grpc, query_pb2, query_pb2_grpc

from ..sessions import SessionService
from .common import implements, in_thread, unary


@implements(command_pb2.DESCRIPTOR.services_by_name["SessionCommandController"])
class SessionCommandServicer(command_pb2_grpc.SessionCommandControllerServicer):
    """create / delete."""

    def __init__(self, sessions: SessionService) -> None:
        self._sessions = sessions

    @unary
    async def create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._sessions.create, request)

    @unary
    async def delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._sessions.delete, request.value)


@implements(query_pb2.DESCRIPTOR.services_by_name["SessionQueryController"])
class SessionQueryServicer(query_pb2_grpc.SessionQueryControllerServicer):
    """get."""

    def __init__(self, sessions: SessionService) -> None:
        self._sessions = sessions

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._sessions.get, request.value)


def register(server: grpc.aio.Server, sessions: SessionService) -> None:
    """Add both session services to ``server``."""
    command_pb2_grpc.add_SessionCommandControllerServicer_to_server(
        SessionCommandServicer(sessions), server
    )
    query_pb2_grpc.add_SessionQueryControllerServicer_to_server(
        SessionQueryServicer(sessions), server
    )
