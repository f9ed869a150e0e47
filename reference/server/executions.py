"""Agent executions: create (and start the workflow), status updates, subscribe, cancel,
terminate, approval decisions, pause and resume."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any

from ai.stigmer.agentic.agentexecution.v1 import api_pb2, io_pb2
from ai.stigmer.agentic.agentexecution.v1.enum_pb2 import APPROVAL_ACTION_REJECT

from . import (
    errors,
    execution_control,
    ids,
    instances,
    kinds,
    lookup,
    paging,
    phases,
    sessions,
    slugs,
    status_merge,
)
from .execution_records import ExecutionRecords
from .execution_stream import follow
from .kinds import AGENT, AGENT_EXECUTION, AGENT_INSTANCE, SESSION
from .pubsub import Broker
from .store import Query, Store, Tx
from .temporal_engine import EngineUnavailable, WorkflowEngine

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "Temporal workflow engine is unavailable. Please try again later"
FAILURE_PREFIX = "Error: Execution failed: "
Execution = api_pb2.AgentExecution


class ExecutionService:
    """Execution commands and queries; publishes every committed change to the broker."""

    def __init__(self, store: Store, broker: Broker, engine: WorkflowEngine) -> None:
        self._store = store
        self._broker = broker
        self._records = ExecutionRecords(store, broker, AGENT_EXECUTION)
        self._engine = engine

    # ---- commands that also talk to the workflow engine -------------------------------

    async def create(self, incoming: Execution) -> Execution:
        """Persist a PENDING execution (and its session), then start its workflow.

        If the engine is unavailable the execution and its new session are removed again.
        Shielded: a client that hangs up mid-call cannot leave a half-created execution.
        """
        return await asyncio.shield(self._create(incoming))

    async def _create(self, incoming: Execution) -> Execution:
        execution, new_session_id = await asyncio.to_thread(self._insert, incoming)
        execution_id = execution.metadata.id
        try:
            await self._engine.start_agent_execution(
                execution_id, session_id=execution.spec.session_id,
                agent_id=execution.spec.agent_id)
        except EngineUnavailable as exc:
            log.warning("execution %s rolled back: %s", execution_id, exc)
            await asyncio.to_thread(self._discard, execution_id, new_session_id)
            raise errors.unavailable(UNAVAILABLE_MESSAGE) from exc
        log.info("execution %s created for agent %s", execution_id, execution.spec.agent_id)
        return execution

    async def cancel(self, request: io_pb2.CancelAgentExecutionInput) -> Execution:
        """CANCELLED (with a SYSTEM message), then cancel the workflow (best effort)."""
        execution_id = lookup.require_id(AGENT_EXECUTION, request.id, "id")
        reason = request.reason.strip()
        message = f"Execution cancelled: {reason}" if reason else "Execution cancelled by user"
        execution = await asyncio.to_thread(
            self._finish, execution_id, phases.CANCELLED, message, "cancelled"
        )
        await self._engine.cancel_agent_execution(execution_id)
        return execution

    async def terminate(self, request: io_pb2.TerminateAgentExecutionInput) -> Execution:
        """TERMINATED (with a SYSTEM message), then terminate the workflow in Temporal."""
        execution_id = lookup.require_id(AGENT_EXECUTION, request.id, "id")
        reason = request.reason.strip()
        message = f"Execution terminated: {reason}" if reason else "Execution terminated by user"
        execution = await asyncio.to_thread(
            self._finish, execution_id, phases.TERMINATED, message, "terminated"
        )
        await self._engine.terminate_agent_execution(execution_id, message)
        return execution

    async def submit_approval(self, request: io_pb2.SubmitApprovalInput) -> Execution:
        """Record the decision on a pending tool call; a rejection also ends the execution
        CANCELLED (in the same write) and cancels its workflow."""
        execution_id = lookup.require_id(
            AGENT_EXECUTION, request.agent_execution_id, "agent_execution_id")
        if not request.tool_call_id.strip():
            raise errors.invalid("tool_call_id is required: the tool call to decide on")
        rejected = request.action == APPROVAL_ACTION_REJECT

        def record(status: Any) -> Any:
            now = status_merge.now_iso()
            status, approval = execution_control.decide(
                status, execution_id, request.tool_call_id, request.action,
                request.comment, now)
            if not rejected:
                return status
            message = execution_control.REJECTED_MESSAGE.format(tool=approval.tool_name)
            if request.comment.strip():
                message += f": {request.comment.strip()}"
            return status_merge.finish(status, phases.CANCELLED, message, now)

        execution = await asyncio.to_thread(self._change, execution_id, record)
        log.info("execution %s: tool call %s decided (action %d)", execution_id,
                 request.tool_call_id, request.action)
        if rejected:
            await self._engine.cancel_agent_execution(execution_id)
        return execution

    async def pause(self, request: io_pb2.PauseAgentExecutionInput) -> Execution:
        """Hold a live execution in PAUSED (the runner waits before its next step)."""
        execution_id = lookup.require_id(AGENT_EXECUTION, request.id, "id")
        execution = await asyncio.to_thread(self._change, execution_id, execution_control.pause)
        log.info("execution %s paused%s", execution_id,
                 f": {request.reason.strip()}" if request.reason.strip() else "")
        return execution

    async def resume(self, request: io_pb2.ResumeAgentExecutionInput) -> Execution:
        """Let a PAUSED execution go on."""
        execution_id = lookup.require_id(AGENT_EXECUTION, request.id, "id")
        execution = await asyncio.to_thread(
            self._change, execution_id,
            lambda status: execution_control.resume(status, execution_id))
        log.info("execution %s resumed", execution_id)
        return execution

    async def delete(self, execution_id: str) -> Execution:
        """Delete an execution; a live one has its workflow cancelled (best effort)."""
        execution_id = lookup.require_id(AGENT_EXECUTION, execution_id)
        execution = await asyncio.to_thread(self._records.delete, execution_id)
        if not phases.is_terminal(execution.status.phase):
            await self._engine.cancel_agent_execution(execution_id)
        return execution

    async def subscribe(self, execution_id: str) -> AsyncIterator[Execution]:
        """The current state, then every committed change; ends after a terminal phase."""
        execution_id = lookup.require_id(AGENT_EXECUTION, execution_id)
        stream = follow(
            self._broker, AGENT_EXECUTION, phases.RULES, execution_id, self._records.load
        )
        async with contextlib.aclosing(stream):
            async for execution in stream:
                yield execution

    # ---- synchronous operations (run in worker threads) --------------------------------

    def get(self, execution_id: str) -> Execution:
        """One execution by id."""
        execution_id = lookup.require_id(AGENT_EXECUTION, execution_id)
        return self._records.load(execution_id)[1]

    def list(self, request: io_pb2.ListAgentExecutionsRequest) -> io_pb2.AgentExecutionList:
        """Newest first; filtered by org, phase and tags (all must match) when given."""
        query = Query(
            kinds=[AGENT_EXECUTION.key], org=request.org or None, phase=request.phase or None
        )
        return self._page(query, request.page_size, request.page_token, list(request.tags))

    def list_by_session(
        self, request: io_pb2.ListAgentExecutionsBySessionRequest
    ) -> io_pb2.AgentExecutionList:
        """The executions of one session, newest first."""
        session_id = lookup.require_id(SESSION, request.session_id, "session_id")
        with self._store.read() as tx:
            lookup.by_id(tx, SESSION, session_id)
        query = Query(kinds=[AGENT_EXECUTION.key], parent_id=session_id)
        return self._page(query, request.page_size, request.page_token, [])

    def update_status(
        self, request: io_pb2.AgentExecutionUpdateStatusInput
    ) -> io_pb2.UpdateStatusResponse:
        """Merge a runner's progress into the stored status (rules: status_merge)."""
        execution_id = lookup.require_id(AGENT_EXECUTION, request.execution_id, "execution_id")
        if not request.HasField("status"):
            raise errors.invalid("status is required (AgentExecutionUpdateStatusInput.status)")
        self._records.change_status(
            execution_id,
            lambda status: status_merge.merge(status, request.status, status_merge.now_iso()),
            lambda exc: errors.failed_precondition(
                f"Agent execution {execution_id} is already "
                f"{phases.name(exc.phase)} (a terminal phase); its status can no longer change"
            ),
        )
        return io_pb2.UpdateStatusResponse()

    def fail_if_running(self, execution_id: str, reason: str) -> bool:
        """Mark a live execution FAILED; False when it is gone or already final."""
        try:
            self._finish(execution_id, phases.FAILED, FAILURE_PREFIX + reason, reason)
        except errors.ServiceError:
            return False
        return True

    # ---- internals ---------------------------------------------------------------------

    def _insert(self, incoming: Execution) -> tuple[Execution, str]:
        execution = Execution()
        execution.CopyFrom(incoming)
        spec = execution.spec
        if not spec.message.strip():
            raise errors.invalid("spec.message is required: the prompt to send to the agent")
        if not spec.agent_id.strip() and not spec.session_id.strip():
            raise errors.invalid(
                "spec.agent_id is required (or spec.session_id of an existing session)"
            )
        with self._store.write() as tx:
            if spec.session_id.strip():
                agent = _resolve_session(tx, execution)
                session_id, new_session_id = spec.session_id.strip(), ""
            else:
                agent, session_id = _resolve_agent(tx, spec.agent_id.strip(), execution)
                new_session_id = session_id
            execution.metadata.id = ids.new_id(AGENT_EXECUTION.prefix)
            if not execution.metadata.org:
                execution.metadata.org = agent.metadata.org
            kinds.normalize_metadata(execution, AGENT_EXECUTION)
            execution.metadata.name = execution.metadata.name.strip() or execution.metadata.id
            execution.metadata.slug = slugs.best_effort(
                execution.metadata.name, execution.metadata.id.lower()
            )
            spec.agent_id = agent.metadata.id
            spec.session_id = session_id
            execution.ClearField("status")
            execution.status.phase = phases.PENDING
            kinds.stamp(execution, "created")
            tx.insert(
                kinds.to_record(
                    AGENT_EXECUTION, execution, parent_id=session_id,
                    root_id=agent.metadata.id, phase=phases.PENDING,
                )
            )
        return execution, new_session_id

    def _discard(self, execution_id: str, new_session_id: str) -> None:
        with self._store.write() as tx:
            tx.delete(execution_id)
            if new_session_id:
                tx.delete(new_session_id)

    def _change(self, execution_id: str, change: Any) -> Execution:
        return self._records.change_status(
            execution_id, change,
            lambda exc: errors.failed_precondition(
                f"Agent execution {execution_id} is already {phases.name(exc.phase)} "
                "(a terminal phase)"),
        )

    def _finish(self, execution_id: str, phase: int, message: str, error: str) -> Execution:
        return self._records.change_status(
            execution_id,
            lambda status: status_merge.finish(
                status, phase, message, status_merge.now_iso(),
                error=error if phase == phases.FAILED else "",
            ),
            lambda exc: errors.failed_precondition(
                f"Agent execution {execution_id} is already {phases.name(exc.phase)}; "
                "only a running execution can become "
                f"{phases.name(phase)}"
            ),
        )

    def _page(
        self, query: Query, page_size: int, page_token: str, tags: Sequence[str]
    ) -> io_pb2.AgentExecutionList:
        window = paging.by_token(page_size, page_token)
        with self._store.read() as tx:
            if tags:
                wanted = set(tags)
                matching = [
                    e for e in (AGENT_EXECUTION.parse(r) for r in tx.select(query))
                    if wanted.issubset(e.metadata.tags)
                ]
                total = len(matching)
                entries = matching[window.offset:window.offset + window.limit]
            else:
                total = tx.count(query)
                entries = [
                    AGENT_EXECUTION.parse(r)
                    for r in tx.select(query, window.limit, window.offset)
                ]
        return io_pb2.AgentExecutionList(
            total_pages=window.total_pages(total),
            entries=entries,
            next_page_token=window.next_token(total),
        )


def _resolve_agent(tx: Tx, agent_id: str, execution: Execution) -> tuple[Any, str]:
    """The agent, and a new session on its default instance."""
    agent_record, agent = lookup.by_id(tx, AGENT, agent_id)
    before = agent.status.default_instance_id
    instance = instances.ensure_default(tx, agent)
    if agent.status.default_instance_id != before:  # repaired: persist the new link
        tx.update(kinds.to_record(AGENT, agent))
    org = execution.metadata.org or agent_record.org
    session = sessions.auto_create(tx, org, instance.metadata.id)
    return agent, session.metadata.id


def _resolve_session(tx: Tx, execution: Execution) -> Any:
    """The agent behind an existing session (and a check that it matches spec.agent_id)."""
    session_id = execution.spec.session_id.strip()
    _, session = lookup.by_id(tx, SESSION, session_id)
    instance_id = session.spec.agent_instance_id
    instance_record = tx.get(instance_id, AGENT_INSTANCE.key)
    if instance_record is None:
        raise errors.failed_precondition(
            f"Session {session_id} uses agent instance {instance_id}, which no longer exists"
        )
    agent_id = instance_record.parent_id
    wanted = execution.spec.agent_id.strip()
    if wanted and wanted != agent_id:
        raise errors.invalid(
            f"spec.agent_id {wanted} does not match session {session_id}, which runs agent "
            f"{agent_id}"
        )
    return lookup.by_id(tx, AGENT, agent_id)[1]
