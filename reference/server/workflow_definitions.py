"""Workflows (the definitions): apply/create/update/delete, queries and spec validation.

A workflow is validated on every save (:mod:`reference.workflow_dsl.validation`): an invalid
one is rejected with INVALID_ARGUMENT naming the task and the field; a valid one is stored
with ``status.serverless_workflow_validation.state = VALID``.
"""

from __future__ import annotations

from typing import Any

from ai.stigmer.agentic.workflow.v1 import api_pb2
from ai.stigmer.agentic.workflow.v1.serverless import validation_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from reference.workflow_dsl.validation import WorkflowInvalid, validate_spec

from . import errors
from .kinds import WORKFLOW
from .resources import SlugResourceService

Workflow = api_pb2.Workflow
Validation = validation_pb2.ServerlessWorkflowValidation


class WorkflowService(SlugResourceService[Workflow]):
    """Workflow commands and queries over the store (past executions outlive a deleted one)."""

    kind = WORKFLOW

    def _check(self, resource: Any) -> None:
        try:
            validate_spec(resource.spec)
        except WorkflowInvalid as exc:
            raise errors.invalid(f"invalid workflow {resource.metadata.slug!r}: {exc}") from exc

    def _status(self, current: Any | None) -> Any:
        status = super()._status(current)
        status.serverless_workflow_validation.CopyFrom(_validation(validation_pb2.VALID, []))
        return status

    @staticmethod
    def validate(incoming: Workflow) -> Validation:
        """``validateSpec``: VALID, or INVALID with one entry per problem (nothing stored)."""
        try:
            validate_spec(incoming.spec)
        except WorkflowInvalid as exc:
            return _validation(validation_pb2.INVALID, exc.problems)
        return _validation(validation_pb2.VALID, [])


def _validation(state: validation_pb2.ValidationState, problems: list[str]) -> Validation:
    now = Timestamp()
    now.GetCurrentTime()
    return Validation(state=state, errors=problems, validated_at=now)
