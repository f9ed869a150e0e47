"""AgentExecutionCommandController and AgentExecutionQueryController."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.agentexecution.v1 import (
    command_pb2,
    command_pb2_grpc,
    query_pb2,
    query_pb2_grpc,
)

from ..executions import ExecutionService
from .common import implements, in_thread, unary
from .servicers import ExecutionCommands, ExecutionQueries


@implements(command_pb2.DESCRIPTOR.services_by_name["AgentExecutionCommandController"])
class AgentExecutionCommandServicer(
    ExecutionCommands, command_pb2_grpc.AgentExecutionCommandControllerServicer
):
    """create / updateStatus / cancel / delete / terminate / submitApproval / pause / resume."""

    @unary
    async def terminate(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._service.terminate(request)

    @unary
    async def submitApproval(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._service.submit_approval(request)

    @unary
    async def pause(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._service.pause(request)

    @unary
    async def resume(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await self._service.resume(request)


@implements(query_pb2.DESCRIPTOR.services_by_name["AgentExecutionQueryController"])
class AgentExecutionQueryServicer(
    ExecutionQueries, query_pb2_grpc.AgentExecutionQueryControllerServicer
):
    """get / list / listBySession / subscribe."""

    @unary
    async def listBySession(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.list_by_session, request)


def register(server: grpc.aio.Server, executions: ExecutionService) -> None:
    """Add both agent-execution services to ``server``."""
    command_pb2_grpc.add_AgentExecutionCommandControllerServicer_to_server(
        AgentExecutionCommandServicer(executions), server
    )
    query_pb2_grpc.add_AgentExecutionQueryControllerServicer_to_server(
        AgentExecutionQueryServicer(executions), server
    )
