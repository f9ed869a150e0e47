"""Workflow executions: create (and start the interpreter workflow), status updates,
subscribe, cancel, and a watchdog that fails executions no workflow-runner picks up."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from ai.stigmer.agentic.workflowexecution.v1 import api_pb2, io_pb2

from reference.workflow_dsl import contract
from reference.workflow_dsl.validation import WorkflowInvalid, compile_tasks

from . import errors, ids, kinds, lookup, paging, slugs, status_merge
from . import workflow_status as ws
from .execution_records import ExecutionRecords
from .execution_stream import follow
from .kinds import WORKFLOW, WORKFLOW_EXECUTION
from .pubsub import Broker
from .store import Query, Store
from .temporal_engine import EngineUnavailable, WorkflowEngine

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "Temporal workflow engine is unavailable. Please try again later"
Execution = api_pb2.WorkflowExecution


class WorkflowExecutionService:
    """Workflow-execution commands and queries; publishes every committed change."""

    def __init__(self, store: Store, broker: Broker, engine: WorkflowEngine,
                 schedule_to_start_s: float = 60.0) -> None:
        self._store = store
        self._broker = broker
        self._records = ExecutionRecords(store, broker, WORKFLOW_EXECUTION)
        self._engine = engine
        self._schedule_to_start_s = schedule_to_start_s
        self._watchdogs: set[asyncio.Task[None]] = set()

    # ---- commands that also talk to the workflow engine -------------------------------

    async def create(self, incoming: Execution) -> Execution:
        """Persist a PENDING execution, then start its interpreter workflow (shielded)."""
        return await asyncio.shield(self._create(incoming))

    async def _create(self, incoming: Execution) -> Execution:
        execution, params = await asyncio.to_thread(self._insert, incoming)
        execution_id = execution.metadata.id
        try:
            await self._engine.start_workflow_execution(execution_id, params)
        except EngineUnavailable as exc:
            log.warning("workflow execution %s rolled back: %s", execution_id, exc)
            await asyncio.to_thread(self._discard, execution_id)
            raise errors.unavailable(UNAVAILABLE_MESSAGE) from exc
        watchdog = asyncio.create_task(self._watch(execution_id), name=f"watch-{execution_id}")
        self._watchdogs.add(watchdog)
        watchdog.add_done_callback(self._watchdogs.discard)
        log.info("workflow execution %s created for workflow %s", execution_id,
                 execution.spec.workflow_id)
        return execution

    async def _watch(self, execution_id: str) -> None:
        """Fail the execution if no workflow-runner started it in time (never hangs)."""
        await asyncio.sleep(self._schedule_to_start_s)
        reason = (f"no workflow-runner picked up the execution within "
                  f"{self._schedule_to_start_s:g}s on task queue {contract.TASK_QUEUE}")
        failed = await asyncio.to_thread(self._finish_if, execution_id, ws.PENDING, ws.FAILED,
                                         reason)
        if failed:
            log.warning("workflow execution %s failed: %s", execution_id, reason)
            await self._engine.terminate_workflow_execution(execution_id, reason)

    async def cancel(self, request: io_pb2.CancelWorkflowExecutionInput) -> Execution:
        """CANCELLED, then cancel the interpreter workflow (best effort)."""
        execution_id = lookup.require_id(WORKFLOW_EXECUTION, request.id, "id")
        reason = request.reason.strip()
        message = f"Execution cancelled: {reason}" if reason else "Execution cancelled by user"
        execution = await asyncio.to_thread(self._finish, execution_id, ws.CANCELLED, message)
        await self._engine.cancel_workflow_execution(execution_id)
        return execution

    async def delete(self, execution_id: str) -> Execution:
        """Delete an execution; a live one has its workflow cancelled (best effort)."""
        execution_id = lookup.require_id(WORKFLOW_EXECUTION, execution_id)
        execution = await asyncio.to_thread(self._records.delete, execution_id)
        if not ws.is_terminal(execution.status.phase):
            await self._engine.cancel_workflow_execution(execution_id)
        return execution

    async def subscribe(self, execution_id: str) -> AsyncIterator[Execution]:
        """The current state, then every committed change; ends after a terminal phase."""
        execution_id = lookup.require_id(WORKFLOW_EXECUTION, execution_id, "execution_id")
        stream = follow(
            self._broker, WORKFLOW_EXECUTION, ws.RULES, execution_id, self._records.load
        )
        async with contextlib.aclosing(stream):
            async for execution in stream:
                yield execution

    async def close(self) -> None:
        """Stop the watchdogs (server shutdown)."""
        for task in list(self._watchdogs):
            task.cancel()
        for task in list(self._watchdogs):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    # ---- synchronous operations (run in worker threads) --------------------------------

    def get(self, execution_id: str) -> Execution:
        """One execution by id."""
        execution_id = lookup.require_id(WORKFLOW_EXECUTION, execution_id)
        return self._records.load(execution_id)[1]

    def list(self, request: io_pb2.ListWorkflowExecutionsRequest) -> io_pb2.WorkflowExecutionList:
        """Newest first; filtered by org and phase when given."""
        query = Query(kinds=[WORKFLOW_EXECUTION.key], org=request.org or None,
                      phase=request.phase or None)
        return self._page(query, request.page_size, request.page_token)

    def list_by_workflow(
        self, request: io_pb2.ListWorkflowExecutionsByWorkflowRequest
    ) -> io_pb2.WorkflowExecutionList:
        """The executions of one workflow, newest first."""
        workflow_id = lookup.require_id(WORKFLOW, request.workflow_id, "workflow_id")
        query = Query(kinds=[WORKFLOW_EXECUTION.key], root_id=workflow_id)
        return self._page(query, request.page_size, request.page_token)

    def update_status(self, request: io_pb2.WorkflowExecutionUpdateStatusInput) -> Execution:
        """Merge a runner's progress into the stored status (rules: workflow_status)."""
        execution_id = lookup.require_id(WORKFLOW_EXECUTION, request.execution_id,
                                         "execution_id")
        if not request.HasField("status"):
            raise errors.invalid("status is required (WorkflowExecutionUpdateStatusInput.status)")
        return self._records.change_status(
            execution_id,
            lambda status: ws.merge(status, request.status, status_merge.now_iso()),
            lambda exc: errors.failed_precondition(
                f"Workflow execution {execution_id} is already {ws.name(exc.phase)} "
                "(a terminal phase); its status can no longer change"),
        )

    # ---- internals ---------------------------------------------------------------------

    def _insert(self, incoming: Execution) -> tuple[Execution, dict[str, Any]]:
        execution = Execution()
        execution.CopyFrom(incoming)
        spec = execution.spec
        workflow_id = spec.workflow_id.strip()
        if not workflow_id:
            raise errors.invalid("spec.workflow_id is required: the workflow to run "
                                 "(workflow instances are not supported by this server)")
        with self._store.write() as tx:
            _, workflow = lookup.by_id(tx, WORKFLOW, workflow_id)
            try:
                plan = compile_tasks(workflow.spec.tasks)
            except WorkflowInvalid as exc:  # stored before a rule tightened
                raise errors.failed_precondition(
                    f"workflow {workflow_id} is invalid: {exc}") from exc
            _check_env(workflow, execution)
            execution.metadata.id = ids.new_id(WORKFLOW_EXECUTION.prefix)
            execution.metadata.org = execution.metadata.org or workflow.metadata.org
            kinds.normalize_metadata(execution, WORKFLOW_EXECUTION)
            execution.metadata.name = execution.metadata.name.strip() or execution.metadata.id
            execution.metadata.slug = slugs.best_effort(execution.metadata.name,
                                                        execution.metadata.id.lower())
            spec.workflow_id = workflow_id
            execution.ClearField("status")
            execution.status.phase = ws.PENDING
            execution.status.temporal_workflow_id = execution.metadata.id
            kinds.stamp(execution, "created")
            tx.insert(kinds.to_record(WORKFLOW_EXECUTION, execution, parent_id=workflow_id,
                                      root_id=workflow_id, phase=ws.PENDING))
        params = {
            "execution_id": execution.metadata.id,
            "org": execution.metadata.org,
            "workflow": {"id": workflow_id, "name": workflow.metadata.name,
                         "slug": workflow.metadata.slug},
            "plan": plan,
            "env": {k: v.value for k, v in spec.runtime_env.items() if not v.is_secret},
            "secret_names": sorted(k for k, v in spec.runtime_env.items() if v.is_secret),
            "input": {"message": spec.trigger_message,
                      "metadata": dict(spec.trigger_metadata)},
        }
        return execution, params

    def _discard(self, execution_id: str) -> None:
        with self._store.write() as tx:
            tx.delete(execution_id)

    def _finish(self, execution_id: str, phase: int, error: str) -> Execution:
        return self._records.change_status(
            execution_id,
            lambda status: ws.finish(status, phase, error, status_merge.now_iso()),
            lambda exc: errors.failed_precondition(
                f"Workflow execution {execution_id} is already {ws.name(exc.phase)}; only "
                f"a running execution can become {ws.name(phase)}"),
        )

    def _finish_if(self, execution_id: str, expected: int, phase: int, error: str) -> bool:
        """Finish only when the execution is still in ``expected`` phase."""
        try:
            with self._store.read() as tx:
                record = tx.get(execution_id, WORKFLOW_EXECUTION.key)
            if record is None or record.phase != expected:
                return False
            self._finish(execution_id, phase, error)
        except errors.ServiceError:
            return False
        return True

    def _page(self, query: Query, page_size: int, page_token: str) -> io_pb2.WorkflowExecutionList:
        window = paging.by_token(page_size, page_token)
        with self._store.read() as tx:
            total = tx.count(query)
            entries = [WORKFLOW_EXECUTION.parse(r)
                       for r in tx.select(query, window.limit, window.offset)]
        return io_pb2.WorkflowExecutionList(total_pages=window.total_pages(total),
                                            entries=entries,
                                            next_page_token=window.next_token(total))


def _check_env(workflow: Any, execution: Execution) -> None:
    """Every declared, non-optional env variable must be given as runtime env."""
    given = execution.spec.runtime_env
    missing = [name for name, decl in sorted(workflow.spec.env.items())
               if not decl.optional and name not in given]
    if missing:
        raise errors.invalid(
            f"workflow {workflow.metadata.slug!r} needs runtime env "
            f"{', '.join(missing)} (declared in spec.env and not optional)")
