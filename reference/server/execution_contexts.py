"""Execution contexts: the runtime values (secrets included) of one execution, for its runner.

Stigmer keeps an ``ExecutionContext`` per execution that has runtime values; its agent-runner
reads it with ``ExecutionContextQueryController.getByExecutionId`` and falls back to the
execution itself on NOT_FOUND. Here the context is derived from the stored execution's
``spec.runtime_env`` (agent or workflow execution), so it can never disagree with it.
"""

from __future__ import annotations

from ai.stigmer.agentic.executioncontext.v1 import api_pb2, io_pb2

from . import errors, ids, lookup
from .kinds import AGENT_EXECUTION, WORKFLOW_EXECUTION
from .store import Store

API_VERSION = "agentic.stigmer.ai/v1"
KIND = "ExecutionContext"
ID_PREFIX = "ectx-"


class ExecutionContextService:
    """``getByExecutionId`` over the stored executions."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get_by_execution_id(
        self, request: io_pb2.ExecutionContextExecutionIdInput
    ) -> api_pb2.ExecutionContext:
        """The context of an execution; NOT_FOUND when it has no runtime values."""
        execution_id = request.execution_id.strip()
        if not execution_id:
            raise errors.invalid("execution_id is required")
        kind = (WORKFLOW_EXECUTION if execution_id.startswith(ids.WORKFLOW_EXECUTION)
                else AGENT_EXECUTION)
        with self._store.read() as tx:
            _, execution = lookup.by_id(tx, kind, execution_id)
        if not execution.spec.runtime_env:
            raise errors.not_found(f"no execution context for execution {execution_id}")
        context = api_pb2.ExecutionContext(api_version=API_VERSION, kind=KIND)
        context.metadata.id = ID_PREFIX + execution_id.split("-", 1)[-1]
        context.metadata.org = execution.metadata.org
        context.spec.execution_id = execution_id
        for key, value in execution.spec.runtime_env.items():
            context.spec.data[key].CopyFrom(value)
        return context
