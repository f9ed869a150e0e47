"""The workflow engine: starts/cancels agent-execution workflows and hosts their worker.

Connects to Temporal lazily with a short timeout and keeps retrying in the background, so
Temporal may start after the server, or restart, without restarting the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from temporalio.api.enums.v1 import TaskQueueKind, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.converter import (
    BinaryNullPayloadConverter,
    BinaryPlainPayloadConverter,
    BinaryProtoPayloadConverter,
    CompositePayloadConverter,
    DataConverter,
    JSONPlainPayloadConverter,
    JSONProtoPayloadConverter,
)
from temporalio.worker import Worker

from reference.workflow_dsl import contract as wf_contract

from . import workflows

log = logging.getLogger(__name__)


class TolerantPayloadConverter(CompositePayloadConverter):
    """Temporal's default converters, but protobuf JSON ignores unknown fields.

    Runners built on other generations of stigmer-protos (the PyPI agent-runner pins 3.x
    releases older than the server's) return ``AgentExecutionStatus`` as protobuf JSON; a
    field this server does not know must not fail the workflow (proto3 forward compatibility,
    as the agent-runner's own converter does).
    """

    def __init__(self) -> None:
        super().__init__(
            BinaryNullPayloadConverter(),
            BinaryPlainPayloadConverter(),
            JSONProtoPayloadConverter(ignore_unknown_fields=True),
            BinaryProtoPayloadConverter(),
            JSONPlainPayloadConverter(),
        )


DATA_CONVERTER = DataConverter(payload_converter_class=TolerantPayloadConverter)


class EngineUnavailable(Exception):
    """The workflow engine cannot be reached (or none is configured)."""


class WorkflowEngine(Protocol):
    """What executions need from a workflow engine."""

    async def start_agent_execution(
        self, execution_id: str, *, session_id: str = "", agent_id: str = ""
    ) -> None:
        """Start the execution's workflow; raises :class:`EngineUnavailable`."""

    async def cancel_agent_execution(self, execution_id: str) -> None:
        """Request cancellation of the execution's workflow; best effort, never raises."""

    async def terminate_agent_execution(self, execution_id: str, reason: str) -> None:
        """Terminate the execution's workflow (its activities stop); best effort."""

    async def start_workflow_execution(self, execution_id: str, params: dict[str, Any]) -> None:
        """Start the interpreter workflow of a workflow execution; raises EngineUnavailable."""

    async def cancel_workflow_execution(self, execution_id: str) -> None:
        """Cancel a workflow execution's Temporal workflow; best effort, never raises."""

    async def terminate_workflow_execution(self, execution_id: str, reason: str) -> None:
        """Terminate a workflow execution's Temporal workflow; best effort, never raises."""

    async def start(self) -> None:
        """Begin background work (connecting, workers)."""

    async def stop(self) -> None:
        """End background work."""


class NoEngine:
    """Used without ``--temporal-address``: every start reports the engine unavailable."""

    async def start_agent_execution(
        self, execution_id: str, *, session_id: str = "", agent_id: str = ""
    ) -> None:
        """Always raises :class:`EngineUnavailable`."""
        raise EngineUnavailable("no Temporal address configured (--temporal-address)")

    async def cancel_agent_execution(self, execution_id: str) -> None:
        """Nothing to cancel."""

    async def terminate_agent_execution(self, execution_id: str, reason: str) -> None:
        """Nothing to terminate."""

    async def start_workflow_execution(self, execution_id: str, params: dict[str, Any]) -> None:
        """Always raises :class:`EngineUnavailable`."""
        raise EngineUnavailable("no Temporal address configured (--temporal-address)")

    async def cancel_workflow_execution(self, execution_id: str) -> None:
        """Nothing to cancel."""

    async def terminate_workflow_execution(self, execution_id: str, reason: str) -> None:
        """Nothing to terminate."""

    async def start(self) -> None:
        """Nothing to start."""

    async def stop(self) -> None:
        """Nothing to stop."""


class TemporalEngine:
    """A Temporal client plus the worker for ``agent_execution_stigmer``."""

    def __init__(
        self,
        address: str,
        namespace: str,
        schedule_to_start_s: float,
        activities: Sequence[Callable[..., Any]],
        connect_timeout_s: float = 3.0,
        retry_interval_s: float = 2.0,
        heartbeat_s: float = workflows.DEFAULT_HEARTBEAT_S,
        run_timeout_s: float = workflows.RUN_TIMEOUT.total_seconds(),
    ) -> None:
        self._address = address
        self._heartbeat_s = heartbeat_s
        self._run_timeout_s = run_timeout_s
        self._namespace = namespace
        self._schedule_to_start_s = schedule_to_start_s
        self._activities = list(activities)
        self._connect_timeout_s = connect_timeout_s
        self._retry_interval_s = retry_interval_s
        self._client: Client | None = None
        self._connect_lock = asyncio.Lock()
        self._worker: Worker | None = None
        self._supervisor: asyncio.Task[None] | None = None

    def add_activities(self, activities: Sequence[Callable[..., Any]]) -> None:
        """Register more activities on the worker (before :meth:`start`)."""
        self._activities.extend(activities)

    async def start(self) -> None:
        """Begin connecting and running the worker in the background."""
        self._supervisor = asyncio.create_task(self._supervise(), name="temporal-supervisor")

    async def stop(self) -> None:
        """Shut the worker down and stop reconnecting."""
        if self._worker is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._worker.shutdown(), timeout=5)
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._supervisor

    async def start_agent_execution(
        self, execution_id: str, *, session_id: str = "", agent_id: str = ""
    ) -> None:
        """Start workflow ``stigmer/agent-execution/invoke`` with id = the execution id."""
        client = await self._connect()
        params = {
            "execution_id": execution_id,
            "session_id": session_id,
            "agent_id": agent_id,
            "heartbeat_timeout_s": self._heartbeat_s,
            "run_timeout_s": self._run_timeout_s,
            "schedule_to_start_timeout_s": self._schedule_to_start_s,
        }
        try:
            await asyncio.wait_for(
                client.start_workflow(
                    workflows.WORKFLOW_NAME,
                    params,
                    id=execution_id,
                    task_queue=workflows.TASK_QUEUE,
                    rpc_timeout=timedelta(seconds=3),
                ),
                timeout=4,
            )
        except Exception as exc:  # RPCError, timeouts: Temporal is not serving
            raise EngineUnavailable(f"starting workflow {execution_id} failed: {exc}") from exc

    async def cancel_agent_execution(self, execution_id: str) -> None:
        """Cancel the workflow; logs instead of raising when Temporal is down."""
        try:
            client = await self._connect()
            handle = client.get_workflow_handle(execution_id)
            await asyncio.wait_for(handle.cancel(rpc_timeout=timedelta(seconds=3)), timeout=4)
        except Exception as exc:
            log.warning("could not cancel workflow %s (ignored): %s", execution_id, exc)

    async def terminate_agent_execution(self, execution_id: str, reason: str) -> None:
        """Terminate the agent-execution workflow (best effort)."""
        await self.terminate_workflow_execution(execution_id, reason)

    async def start_workflow_execution(self, execution_id: str, params: dict[str, Any]) -> None:
        """Start ``stigmer/workflow-execution/invoke`` on ``workflow_execution_runner``."""
        client = await self._connect()
        try:
            await asyncio.wait_for(
                client.start_workflow(
                    wf_contract.WORKFLOW_NAME, params, id=execution_id,
                    task_queue=wf_contract.TASK_QUEUE, rpc_timeout=timedelta(seconds=3),
                ),
                timeout=4,
            )
        except Exception as exc:
            raise EngineUnavailable(f"starting workflow {execution_id} failed: {exc}") from exc

    async def cancel_workflow_execution(self, execution_id: str) -> None:
        """Cancel the interpreter workflow (best effort)."""
        await self.cancel_agent_execution(execution_id)

    async def terminate_workflow_execution(self, execution_id: str, reason: str) -> None:
        """Terminate the interpreter workflow (best effort, e.g. no runner picked it up)."""
        try:
            client = await self._connect()
            handle = client.get_workflow_handle(execution_id)
            await asyncio.wait_for(
                handle.terminate(reason=reason, rpc_timeout=timedelta(seconds=3)), timeout=4)
        except Exception as exc:
            log.warning("could not terminate workflow %s (ignored): %s", execution_id, exc)

    async def runners_polling(self, task_queue: str, within_s: float) -> bool:
        """True when a worker polled the activity ``task_queue`` in the last ``within_s``."""
        client = await self._connect()
        response = await client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=self._namespace,
                task_queue=TaskQueue(name=task_queue, kind=TaskQueueKind.TASK_QUEUE_KIND_NORMAL),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
            ),
            timeout=timedelta(seconds=self._connect_timeout_s),
        )
        now = datetime.now(UTC)
        return any(
            (now - poller.last_access_time.ToDatetime(tzinfo=UTC)).total_seconds()
            <= within_s
            for poller in response.pollers
        )

    async def _connect(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._connect_lock:
            if self._client is None:
                try:
                    self._client = await asyncio.wait_for(
                        Client.connect(self._address, namespace=self._namespace,
                                       data_converter=DATA_CONVERTER),
                        timeout=self._connect_timeout_s,
                    )
                except Exception as exc:
                    reason = str(exc) or type(exc).__name__  # an Exception is always true
                    raise EngineUnavailable(
                        f"cannot reach Temporal at {self._address}: {reason}"
                    ) from exc
                log.info("connected to Temporal at %s (namespace %s)", self._address,
                         self._namespace)
        return self._client

    async def _supervise(self) -> None:
        """Keep a worker running; reconnect after any failure."""
        while True:
            try:
                client = await self._connect()
                self._worker = Worker(
                    client,
                    task_queue=workflows.TASK_QUEUE,
                    workflows=[workflows.InvokeAgentExecutionWorkflow],
                    activities=self._activities,
                    graceful_shutdown_timeout=timedelta(seconds=1),
                )
                log.info("worker ready on task queue %s", workflows.TASK_QUEUE)
                await self._worker.run()
                return  # run() returns only after shutdown()
            except asyncio.CancelledError:
                raise
            except EngineUnavailable as exc:
                log.debug("Temporal not reachable yet: %s", exc)
            except Exception as exc:
                log.warning("Temporal worker stopped (%s); reconnecting", exc)
                self._client = None
            self._worker = None
            await asyncio.sleep(self._retry_interval_s)
