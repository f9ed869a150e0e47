"""Activities the server's own worker runs (as local activities of the workflow)."""

from __future__ import annotations

import asyncio
from typing import Protocol

from temporalio import activity

from . import workflows


class FailureRecorder(Protocol):
    """The part of the execution service the activities need."""

    def fail_if_running(self, execution_id: str, reason: str) -> bool:
        """Mark a live execution FAILED with ``reason``; False if gone or already final."""


class RunnerPresence(Protocol):
    """Tells whether agent-runners are polling a task queue."""

    async def runners_polling(self, task_queue: str, within_s: float) -> bool:
        """True when a worker polled ``task_queue`` in the last ``within_s`` seconds."""


class RunnerPresenceActivities:
    """Lets the workflow tell a busy runner fleet from a missing one."""

    def __init__(self, presence: RunnerPresence) -> None:
        self._presence = presence

    @activity.defn(name=workflows.RUNNERS_POLLING_ACTIVITY)
    async def runners_polling(self, task_queue: str, within_s: float) -> bool:
        """True when an agent-runner polled ``task_queue`` recently (it is busy, not gone)."""
        polling = await self._presence.runners_polling(task_queue, within_s)
        activity.logger.info("agent-runners polling %s: %s", task_queue, polling)
        return polling


class ExecutionActivities:
    """Binds the activities to the execution service."""

    def __init__(self, recorder: FailureRecorder) -> None:
        self._recorder = recorder

    @activity.defn(name=workflows.MARK_FAILED_ACTIVITY)
    async def mark_failed(self, execution_id: str, reason: str) -> bool:
        """Record an infrastructure failure; ignored when the execution is already final."""
        changed = await asyncio.to_thread(self._recorder.fail_if_running, execution_id, reason)
        activity.logger.info(
            "execution %s %s: %s", execution_id,
            "marked FAILED" if changed else "already final, not changed", reason,
        )
        return changed
