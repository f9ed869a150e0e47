"""Workflow and WorkflowExecution controllers (unlisted RPCs answer a named UNIMPLEMENTED)."""

from __future__ import annotations

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

from ..workflow_definitions import WorkflowService
from ..workflow_executions import WorkflowExecutionService
from .common import implements, in_thread, unary
from .servicers import ExecutionCommands, ExecutionQueries, ResourceCommands, ResourceQueries


@implements(wf_command.DESCRIPTOR.services_by_name["WorkflowCommandController"])
class WorkflowCommandServicer(ResourceCommands, wf_command_grpc.WorkflowCommandControllerServicer):
    """apply / create / update / delete / validateSpec."""

    @unary
    async def validateSpec(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return self._service.validate(request)


@implements(wf_query.DESCRIPTOR.services_by_name["WorkflowQueryController"])
class WorkflowQueryServicer(ResourceQueries, wf_query_grpc.WorkflowQueryControllerServicer):
    """get / getByReference."""


@implements(wex_command.DESCRIPTOR.services_by_name["WorkflowExecutionCommandController"])
class WorkflowExecutionCommandServicer(
    ExecutionCommands, wex_command_grpc.WorkflowExecutionCommandControllerServicer
):
    """create / updateStatus / cancel / delete."""


@implements(wex_query.DESCRIPTOR.services_by_name["WorkflowExecutionQueryController"])
class WorkflowExecutionQueryServicer(
    ExecutionQueries, wex_query_grpc.WorkflowExecutionQueryControllerServicer
):
    """get / list / listByWorkflow / subscribe (by ``execution_id``)."""

    subscribe_field = "execution_id"

    @unary
    async def listByWorkflow(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        return await in_thread(self._service.list_by_workflow, request)


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
