"""AgentExecutionCommandController and AgentExecutionQueryController."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from ai.stigmer.agentic.agentexecution.v1 import (
    command_pb2,
    command_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
)

from ..executions import ExecutionService
from .common import implements, in_thread, server_stream, unary


@implements(command_pb2.DESCRIPTOR.services_by_name["AgentExecutionCommandController"])
class AgentExecutionCommandServicer(command_pb2_grpc.AgentExecutionCommandControllerServicer):
    """create / updateStatus / cancel / delete."""

    def __init__(self, executions: ExecutionService) -> None:
        self._executions = executions

    @unary
    async def create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._executions.create(request)

    @unary
    async def updateStatus(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._executions.update_status, request)

    @unary
    async def cancel(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._executions.cancel(request)

    @unary
    async def delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._executions.delete(request.value)


@implements(query_pb2.DESCRIPTOR.services_by_name["AgentExecutionQueryController"])
class AgentExecutionQueryServicer(query_pb2_grpc.AgentExecutionQueryControllerServicer):
    """get / list / listBySession / subscribe."""

    def __init__(self, executions: ExecutionService) -> None:
        self._executions = executions

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._executions.get, request.value)

    @unary
    async def list(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._executions.list, request)

    @unary
    async def listBySession(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._executions.list_by_session, request)

    @server_stream
    async def subscribe(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        async for execution in self._executions.subscribe(request.value):
            yield execution


def register(server: grpc.aio.Server, executions: ExecutionService) -> None:
    """Add both agent-execution services to ``server``."""
    command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(
        AgentExecutionCommandServicer(executions), server
    )
    query_pb2_grpc.add_AgentExecutionQueryControllerServicer_to_server(
        AgentExecutionQueryServicer(executions), server
    )
