"""Workflow operations of the suite's Stigmer client (mixed into ``StigmerApi``).

Everything goes through the official SDK (``client.workflows`` / ``client.workflow_executions``);
the subscribe stream uses the official generated stub on the SDK's channel (with a deadline).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import grpc
from ai.stigmer.agentic.workflow.v1 import api_pb2 as workflow_api_pb2
from ai.stigmer.agentic.workflowexecution.v1 import api_pb2 as wex_api_pb2
from ai.stigmer.agentic.workflowexecution.v1 import enum_pb2 as wex_enum_pb2
from ai.stigmer.agentic.workflowexecution.v1 import io_pb2 as wex_io_pb2
from ai.stigmer.agentic.workflowexecution.v1 import query_pb2_grpc as wex_query_grpc
from google.protobuf import json_format
from stigmer import (
    ListParams,
    ResourceRef,
    StigmerClient,
    StigmerError,
    WorkflowExecutionInput,
)
from stigmer._gen._agent import EnvVarDeclarationInput
from stigmer._gen._types import EnvVarInput
from stigmer._gen._workflow import (
    ExportInput,
    FlowControlInput,
    WorkflowDocumentInput,
    WorkflowInput,
    WorkflowTaskInput,
)

from harness.stream_wake import woken_by
from harness.waiting import wait_until

Workflow = workflow_api_pb2.Workflow
WorkflowExecution = wex_api_pb2.WorkflowExecution
WorkflowPhase = wex_enum_pb2.ExecutionPhase
TaskStatus = wex_enum_pb2.WorkflowTaskStatus
WORKFLOW_TERMINAL = frozenset({WorkflowPhase.EXECUTION_COMPLETED, WorkflowPhase.EXECUTION_FAILED,
                               WorkflowPhase.EXECUTION_CANCELLED,
                               WorkflowPhase.EXECUTION_TERMINATED})


def workflow_phase_name(phase: int) -> str:
    """``EXECUTION_COMPLETED`` -> ``COMPLETED``."""
    return WorkflowPhase.Name(phase).removeprefix("EXECUTION_")


def workflow_phase_value(name: str) -> int:
    """``completed`` / ``COMPLETED`` -> the workflow-execution enum value."""
    upper = name.strip().upper().replace(" ", "_")
    return WorkflowPhase.Value(upper if upper.startswith("EXECUTION_") else f"EXECUTION_{upper}")


def task_status_name(status: int) -> str:
    """``WORKFLOW_TASK_COMPLETED`` -> ``COMPLETED``."""
    return TaskStatus.Name(status).removeprefix("WORKFLOW_TASK_")


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


def _task_input(task: Any) -> WorkflowTaskInput:
    return WorkflowTaskInput(
        kind=task.kind, name=task.name,
        task_config=json_format.MessageToDict(task.task_config),
        export=ExportInput(as_=getattr(task.export, "as")) if getattr(task.export, "as")
        else None,
        flow=FlowControlInput(then=task.flow.then) if task.flow.then else None,
        compensate=[_task_input(c) for c in task.compensate],
    )


def workflow_input_from_proto(workflow: Workflow) -> WorkflowInput:
    """The SDK's typed input for a ``Workflow`` protobuf (built from a manifest)."""
    spec, metadata = workflow.spec, workflow.metadata
    document = None
    if spec.HasField("document"):
        d = spec.document
        document = WorkflowDocumentInput(namespace=d.namespace, name=d.name, version=d.version,
                                         dsl=d.dsl, description=d.description)
    return WorkflowInput(
        name=metadata.name, org=metadata.org, document=document, slug=metadata.slug or None,
        labels=dict(metadata.labels) or None, description=spec.description,
        tasks=[_task_input(task) for task in spec.tasks],
        env={key: EnvVarDeclarationInput(is_secret=decl.is_secret,
                                         description=decl.description, optional=decl.optional)
             for key, decl in spec.env.items()},
    )


@dataclass
class FollowedWorkflowExecution:
    """What a subscriber saw: every snapshot in order."""

    snapshots: list[WorkflowExecution] = field(default_factory=list)

    @property
    def final(self) -> WorkflowExecution:
        return self.snapshots[-1]

    @property
    def phases(self) -> list[str]:
        seen: list[str] = []
        for snapshot in self.snapshots:
            name = workflow_phase_name(snapshot.status.phase)
            if not seen or seen[-1] != name:
                seen.append(name)
        return seen


class WorkflowApiMixin:
    """Workflow methods; expects ``self.client`` (StigmerClient) and ``self.org``."""

    client: StigmerClient
    org: str

    def apply_workflow(self, workflow: Workflow) -> Workflow:
        """Create or update a workflow (a protobuf from a manifest) in this organization."""
        workflow.metadata.org = self.org
        return self.client.workflows.apply(workflow_input_from_proto(workflow))

    def validate_workflow(self, workflow: Workflow) -> Any:
        """The server's verdict on a workflow, without saving it."""
        workflow.metadata.org = self.org
        return self.client.workflows.validate_spec(workflow_input_from_proto(workflow))

    def get_workflow(self, slug: str) -> Workflow:
        return self.client.workflows.get_by_reference(ResourceRef(org=self.org, slug=slug))

    def list_workflows(self) -> list[str]:
        """Slugs of this organization's workflows."""
        result = self.client.workflows.list(ListParams(org=self.org))
        return [entry.slug or entry.name for entry in result.entries]

    def delete_workflow(self, workflow_id: str) -> Workflow:
        return self.client.workflows.delete(workflow_id)

    def run_workflow(self, workflow: Workflow, message: str = "",
                     runtime_env: Mapping[str, Any] | None = None) -> WorkflowExecution:
        """Start an execution; ``runtime_env`` values are strings or ``RuntimeValue``s."""
        env = {}
        for key, value in (runtime_env or {}).items():
            secret = bool(getattr(value, "secret", False))
            env[key] = EnvVarInput(value=str(getattr(value, "value", value)), is_secret=secret)
        return self.client.workflow_executions.create(WorkflowExecutionInput(
            name=f"{workflow.metadata.slug}-run", org=self.org,
            workflow_id=workflow.metadata.id, trigger_message=message, runtime_env=env))

    def workflow_execution(self, execution_id: str) -> WorkflowExecution:
        return self.client.workflow_executions.get(execution_id)

    def workflow_executions_of(self, workflow_id: str) -> list[WorkflowExecution]:
        return list(self.client.workflow_executions.list_by_workflow(
            wex_io_pb2.ListWorkflowExecutionsByWorkflowRequest(workflow_id=workflow_id,
                                                                page_size=100)).entries)

    def cancel_workflow_execution(self, execution_id: str,
                                  reason: str = "cancelled by the acceptance suite") -> Any:
        return self.client.workflow_executions.cancel(
            wex_io_pb2.CancelWorkflowExecutionInput(id=execution_id, reason=reason))

    def wait_for_workflow_phase(self, execution_id: str, phase: str, timeout: float,
                                interval: float = 0.3) -> WorkflowExecution:
        """Poll until ``phase``; another terminal phase ends the wait at once."""
        wanted = workflow_phase_value(phase)

        def aborted(execution: WorkflowExecution) -> str | None:
            current = execution.status.phase
            if current in WORKFLOW_TERMINAL and current != wanted:
                return f"it ended {describe_workflow_execution(execution)}"
            return None

        with woken_by(lambda: self._subscribe_workflow(execution_id, timeout)) as sleep:
            return wait_until(
                lambda: self.workflow_execution(execution_id),
                lambda execution: execution.status.phase == wanted,
                timeout=timeout, interval=interval,
                what=f"{execution_id} to be {workflow_phase_name(wanted)}",
                describe=describe_workflow_execution, abort=aborted, sleep=sleep)

    def wait_for_task(self, execution_id: str, task_name: str, status: str,
                      timeout: float) -> WorkflowExecution:
        """Poll until a task named ``task_name`` reports ``status`` (e.g. IN_PROGRESS)."""
        wanted = TaskStatus.Value(f"WORKFLOW_TASK_{status.upper()}")
        with woken_by(lambda: self._subscribe_workflow(execution_id, timeout)) as sleep:
            return wait_until(
                lambda: self.workflow_execution(execution_id),
                lambda e: any(t.task_name == task_name and t.status == wanted
                              for t in e.status.tasks),
                timeout=timeout, interval=0.2, what=f"task {task_name} to be {status}",
                describe=describe_workflow_execution, sleep=sleep)

    def _subscribe_workflow(self, execution_id: str, timeout: float) -> Any:
        """The execution's stream (official stub on the SDK's channel, with a deadline)."""
        stub = wex_query_grpc.WorkflowExecutionQueryControllerStub(self.client._channel)
        return stub.subscribe(
            wex_io_pb2.SubscribeWorkflowExecutionRequest(execution_id=execution_id),
            timeout=timeout)

    def follow_workflow(self, execution_id: str, timeout: float) -> FollowedWorkflowExecution:
        """Subscribe until the execution ends (or the deadline passes)."""
        stub = wex_query_grpc.WorkflowExecutionQueryControllerStub(
            self.client._channel)
        followed = FollowedWorkflowExecution()
        started = time.monotonic()
        request = wex_io_pb2.SubscribeWorkflowExecutionRequest(execution_id=execution_id)
        try:
            for snapshot in stub.subscribe(request, timeout=timeout):
                followed.snapshots.append(snapshot)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.DEADLINE_EXCEEDED:
                raise
            last = (describe_workflow_execution(followed.final) if followed.snapshots
                    else "nothing")
            raise TimeoutError(f"the stream of {execution_id} did not end within {timeout:g}s "
                               f"({time.monotonic() - started:.1f}s, last: {last})") from None
        return followed


__all__ = [
    "FollowedWorkflowExecution",
    "StigmerError",
    "Workflow",
    "WorkflowApiMixin",
    "WorkflowExecution",
    "describe_workflow_execution",
    "task_outputs",
    "task_status_name",
    "workflow_output",
    "workflow_phase_name",
]
