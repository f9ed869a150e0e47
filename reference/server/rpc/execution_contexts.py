"""ExecutionContextQueryController: getByExecutionId (what the agent-runner reads)."""

from __future__ import annotations

from typing import Any

import grpc
from ai.stigmer.agentic.executioncontext.v1 import query_pb2, query_pb2_grpc

from ..execution_contexts import ExecutionContextService
from .common import implements, in_thread, unary


@implements(query_pb2.DESCRIPTOR.services_by_name["ExecutionContextQueryController"])
class ExecutionContextQueryServicer(query_pb2_grpc.ExecutionContextQueryControllerServicer):
    """getByExecutionId (get / getByReference answer UNIMPLEMENTED)."""

    def __init__(self, service: ExecutionContextService) -> None:
        self._service = service

    @unary
    async def getByExecutionId(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.get_by_execution_id, request)


def register(server: grpc.aio.Server, service: ExecutionContextService) -> None:
    """Add the execution-context query service to ``server``."""
    query_pb2_grpc.add_ExecutionContextQueryControllerServicer_to_server(
        ExecutionContextQueryServicer(service), server
    )
