"""Workflows and their executions through the official SDK, for one organization."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import grpc
from ai.stigmer.agentic.workflow.v1 import api_pb2 as workflow_api_pb2
from ai.stigmer.agentic.workflowexecution.v1 import api_pb2 as wex_api_pb2
from ai.stigmer.agentic.workflowexecution.v1 import enum_pb2 as wex_enum_pb2
from ai.stigmer.agentic.workflowexecution.v1 import io_pb2 as wex_io_pb2
from ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_query_grpc
from google.protobuf import json_format
from stigmer import ListParams, ResourceRef, StigmerClient, WorkflowExecutionInput

from harness.stigmer.executions import Executions, RuntimeValue, env_inputs, short_name
from harness.stigmer.inputs import workflow_input_from_proto
from harness.waiting import wait_until

Workflow = workflow_api_pb2.Workflow
WorkflowExecution = wex_api_pb2.WorkflowExecution
WorkflowPhase = wex_enum_pb2.ExecutionPhase
TaskStatus = wex_enum_pb2.WorkflowTaskStatus


def workflow_phase_name(phase: int) -> str:
    """``EXECUTION_COMPLETED`` -> ``COMPLETED`` (a workflow execution's phase)."""
    return short_name(WorkflowPhase, phase)


def task_status_name(status: int) -> str:
    """``WORKFLOW_TASK_COMPLETED`` -> ``COMPLETED``."""
    return short_name(TaskStatus, status, "WORKFLOW_TASK_")


def describe_workflow_execution(execution: WorkflowExecution) -> str:
    """One line: phase, task count, error (for timeout reports)."""
    status = execution.status
    return (f"{execution.metadata.id} phase={workflow_phase_name(status.phase)} "
            f"tasks={len(status.tasks)} error={status.error or '-'}")


def workflow_output(execution: WorkflowExecution) -> dict[str, Any]:
    """The execution's output (its final context) as plain Python."""
    return json_format.MessageToDict(execution.status.output)


def task_outputs(execution: WorkflowExecution) -> dict[str, Any]:
    """Task id -> its output (plain Python)."""
    return {task.task_id: json_format.MessageToDict(task.output)
            for task in execution.status.tasks}


class Workflows:
    """The workflows of one organization."""

    def __init__(self, client: StigmerClient, org: str) -> None:
        self.client = client
        self.org = org

    def apply(self, workflow: Workflow) -> Workflow:
        """Create or update a workflow (a protobuf from a manifest) in this organization."""
        workflow.metadata.org = self.org
        return self.client.workflows.apply(workflow_input_from_proto(workflow))

    def validate(self, workflow: Workflow) -> Any:
        """The server's verdict on a workflow, without saving it."""
        workflow.metadata.org = self.org
        return self.client.workflows.validate_spec(workflow_input_from_proto(workflow))

    def get(self, slug: str) -> Workflow:
        return self.client.workflows.get_by_reference(ResourceRef(org=self.org, slug=slug))

    def slugs(self) -> list[str]:
        """Slugs of this organization's workflows."""
        result = self.client.workflows.list(ListParams(org=self.org))
        return [entry.slug or entry.name for entry in result.entries]

    def delete(self, workflow_id: str) -> Workflow:
        return self.client.workflows.delete(workflow_id)


class WorkflowExecutions(Executions[WorkflowExecution]):
    """The workflow executions of one organization: start them, their tasks, plus the shared
    helper."""

    def __init__(self, client: StigmerClient, channel: grpc.Channel, org: str) -> None:
        stub = wex_query_grpc.WorkflowExecutionQueryControllerStub(channel)

        def stream(execution_id: str, timeout: float) -> Iterator[WorkflowExecution]:
            # The SDK's subscribe has no deadline: the official stub on the same channel has.
            return stub.subscribe(wex_io_pb2.SubscribeWorkflowExecutionRequest(
                execution_id=execution_id), timeout=timeout)

        super().__init__(client.workflow_executions, WorkflowPhase, describe_workflow_execution,
                         stream, lambda i, why: wex_io_pb2.CancelWorkflowExecutionInput(
                             id=i, reason=why), interval=0.3)
        self.client = client
        self.org = org

    def run(self, workflow: Workflow, message: str = "",
            runtime_env: Mapping[str, RuntimeValue | str] | None = None) -> WorkflowExecution:
        """Start an execution of ``workflow`` triggered by ``message``."""
        return self._create(lambda: self.client.workflow_executions.create(
            WorkflowExecutionInput(name=f"{workflow.metadata.slug}-run", org=self.org,
                                   workflow_id=workflow.metadata.id, trigger_message=message,
                                   runtime_env=env_inputs(runtime_env))))

    def of(self, workflow_id: str) -> list[WorkflowExecution]:
        """The executions of one workflow."""
        return list(self.client.workflow_executions.list_by_workflow(
            wex_io_pb2.ListWorkflowExecutionsByWorkflowRequest(workflow_id=workflow_id,
                                                                page_size=100)).entries)

    def wait_for_task(self, execution_id: str, task_name: str, status: str,
                      timeout: float) -> WorkflowExecution:
        """Poll until a task named ``task_name`` reports ``status`` (e.g. IN_PROGRESS)."""
        wanted = TaskStatus.Value(f"WORKFLOW_TASK_{status.upper()}")
        with self.woken(execution_id, timeout) as sleep:
            return wait_until(
                lambda: self.get(execution_id),
                lambda e: any(t.task_name == task_name and t.status == wanted
                              for t in e.status.tasks),
                timeout=timeout, interval=0.2, what=f"task {task_name} to be {status}",
                describe=describe_workflow_execution, sleep=sleep)
