"""The runner's second Temporal worker: the workflow interpreter on
``workflow_execution_runner`` (see :mod:`reference.workflow_dsl.contract`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from reference.workflow_dsl.contract import TASK_QUEUE

from .activities import WorkflowActivities
from .temporal_workflow import WorkflowExecutionInterpreter

log = logging.getLogger(__name__)
READY_LINE = "worker ready on task queue " + TASK_QUEUE


def build_workflow_worker(client: Client, activities: WorkflowActivities, identity: str,
                          max_concurrent: int = 10, shutdown_grace_s: float = 4.0) -> Worker:
    """The worker hosting the interpreter workflow and its activities."""
    return Worker(
        client,
        task_queue=TASK_QUEUE,
        workflows=[WorkflowExecutionInterpreter],
        activities=activities.all(),
        max_concurrent_activities=max_concurrent,
        identity=identity,
        graceful_shutdown_timeout=timedelta(seconds=shutdown_grace_s),
        default_heartbeat_throttle_interval=timedelta(seconds=2),
        max_heartbeat_throttle_interval=timedelta(seconds=2),
    )


class WorkflowWorkerHost:
    """Runs the interpreter worker next to the agent worker (one call to start, one to stop).

    ``endpoint``/``api_key`` are the Stigmer backend's (``STIGMER_BACKEND_ENDPOINT``,
    ``STIGMER_API_KEY``).
    """

    def __init__(self, endpoint: str, api_key: str) -> None:
        self._activities = WorkflowActivities(endpoint, api_key)
        self._worker: Worker | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self, client: Client, identity: str) -> None:
        """Start polling ``workflow_execution_runner`` in the background."""
        self._worker = build_workflow_worker(client, self._activities, identity)
        self._task = asyncio.create_task(self._worker.run(), name="workflow-worker")
        log.info(READY_LINE)

    async def stop(self) -> None:
        """Shut the worker down (idempotent) and release the backend client."""
        if self._worker is not None and self._task is not None and not self._task.done():
            with contextlib.suppress(Exception):
                await self._worker.shutdown()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._worker = self._task = None
        self._activities.close()
