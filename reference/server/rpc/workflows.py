"""Workflow and WorkflowExecution controllers: registered, every RPC UNIMPLEMENTED (named).

Placeholders until workflows are implemented; replace a class body to implement it.
"""

from __future__ import annotations

import grpc
from ai.stigmer.agentic.workflow.v1 import command_pb2 as wf_command
from ai.stigmer.agentic.workflow.v1 import command_pb2_grpc as wf_command_grpc
from ai.stigmer.agentic.workflow.v1 import query_pb2 as wf_query
from ai.stigmer.agentic.workflow.v1 import query_pb2_grpc as wf_query_grpc
from ai.stigmer.agentic.workflowexecution.v1 import command_pb2 as wex_command
from ai.stigmer.agentic.workflowexecution.v1 import command_pb2_grpc as wex_command_grpc
from ai.stigmer.agentic.workflowexecution.v1 import query_pb2 as wex_query
from ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_query_grpc

from .common import implements


@implements(wf_command.DESCRIPTOR.services_by_name["WorkflowCommandController"])
class WorkflowCommandServicer(wf_command_grpc.WorkflowCommandControllerServicer):
    """Not implemented yet."""


@implements(wf_query.DESCRIPTOR.services_by_name["WorkflowQueryController"])
class WorkflowQueryServicer(wf_query_grpc.WorkflowQueryControllerServicer):
    """Not implemented yet."""


@implements(wex_command.DESCRIPTOR.services_by_name["WorkflowExecutionCommandController"])
class WorkflowExecutionCommandServicer(
    wex_command_grpc.WorkflowExecutionCommandControllerServicer
):
    """Not implemented yet."""


@implements(wex_query.DESCRIPTOR.services_by_name["WorkflowExecutionQueryController"])
class WorkflowExecutionQueryServicer(wex_query_grpc.WorkflowExecutionQueryControllerServicer):
    """Not implemented yet."""


def register(server: grpc.aio.Server) -> None:
    """Add the four workflow services to ``server``."""
    wf_command_grpc.add_WorkflowCommandControllerServicer_to_server(
        WorkflowCommandServicer(), server
    )
    wf_query_grpc.add_WorkflowQueryControllerServicer_to_server(WorkflowQueryServicer(), server)
    wex_command_grpc.add_WorkflowExecutionCommandControllerServicer_to_server(
        WorkflowExecutionCommandServicer(), server
    )
    wex_query_grpc.add_WorkflowExecutionQueryControllerServicer_to_server(
        WorkflowExecutionQueryServicer(), server
    )
