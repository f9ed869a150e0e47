"""Workflow and WorkflowExecution controllers (unlisted RPCs answer a named UNIMPLEMENTED)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from ai.stigmer.agentic.workflow.v1 import command_pb2 as wf_command
from ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_command_grpc
from ai.stigmer.agentic.workflow.v1 import query_pb2 as wf_query
from ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_query_grpc
from ai.stigmer.agentic.workflowexecution.v1 import command_pb2 as wex_command
from ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_command_grpc
from ai.stigmer.agentic.workflowexecution.v1 import query_pb2 as wex_query
from ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_query_grpc

from ..agents import Mode
from ..workflow_definitions import WorkflowService
from ..workflow_executions import WorkflowExecutionService
from .common import implements, in_thread, server_stream, unary


@implements(wf_command.DESCRIPTOR.services_by_name["WorkflowCommandController"])
class WorkflowCommandServicer(wf_command_grpc.WorkflowCommandControllerServicer):
    """apply / create / update / delete / validateSpec."""

    def __init__(self, workflows: WorkflowService) -> None:
        self._workflows = workflows

    @unary
    async def apply(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._workflows.save, request, Mode.APPLY)

    @unary
    async def create(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._workflows.save, request, Mode.CREATE)

    @unary
    async def update(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._workflows.save, request, Mode.UPDATE)

    @unary
    async def delete(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._workflows.delete, request.value)

    @unary
    async def validateSpec(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return self._workflows.validate(request)


@implements(wf_query.DESCRIPTOR.services_by_name["WorkflowQueryController"])
class WorkflowQueryServicer(wf_query_grpc.WorkflowQueryControllerServicer):
    """get / getByReference."""

    def __init__(self, workflows: WorkflowService) -> None:
        self._workflows = workflows

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._workflows.get, request.value)

    @unary
    async def getByReference(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._workflows.get_by_reference, request)


@implements(wex_command.DESCRIPTOR.services_by_name["WorkflowExecutionCommandController"])
class WorkflowExecutionCommandServicer(
    wex_command_grpc.WorkflowExecutionCommandControllerServicer
):
    """create / updateStatus / cancel / delete."""

    def __init__(self, executions: WorkflowExecutionService) -> None:
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


@implements(wex_query.DESCRIPTOR.services_by_name["WorkflowExecutionQueryController"])
class WorkflowExecutionQueryServicer(wex_query_grpc.WorkflowExecutionQueryControllerServicer):
    """get / list / listByWorkflow / subscribe."""

    def __init__(self, executions: WorkflowExecutionService) -> None:
        self._executions = executions

    @unary
    async def get(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._executions.get, request.value)

    @unary
    async def list(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._executions.list, request)

    @unary
    async def listByWorkflow(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._executions.list_by_workflow, request)

    @server_stream
    async def subscribe(
        self, request: Any, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Any]:
        async for execution in self._executions.subscribe(request.execution_id):
            yield execution


def register(server: grpc.aio.Server, workflows: WorkflowService,
             executions: WorkflowExecutionService) -> None:
    """Add the four workflow services to ``server``."""
    wf_command_grpc.add_WorkflowCommandControllerServicer_to_server(
        WorkflowCommandServicer(workflows), server)
    wf_query_grpc.add_WorkflowQueryControllerServicer_to_server(
        WorkflowQueryServicer(workflows), server)
    wex_command_grpc.add_WorkflowExecutionCommandControllerServicer_to_server(
        WorkflowExecutionCommandServicer(executions), server)
    wex_query_grpc.add_WorkflowExecutionQueryControllerServicer_to_server(
        WorkflowExecutionQueryServicer(executions), server)
