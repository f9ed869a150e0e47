"""The Temporal workflow the server's worker runs for each agent execution.

Deterministic: only stdlib and temporalio imports, no I/O, time from ``workflow.now()``;
activities are called by name. That is why it runs unsandboxed: the sandbox re-imports modules
on every activation, which cost each execution create ~15 ms of the server's event loop.

Contract (docs/design.md, as Stigmer's): workflow ``stigmer/agent-execution/invoke`` on task
queue ``agent_execution_stigmer`` calls, on ``agent_execution_runner``, first
``EnsureThread(session_id, agent_id)`` -> thread id, then
``ExecuteGraphton(execution_id, thread_id)`` -> the final (slim) ``AgentExecutionStatus``
(protobuf JSON). When either fails or times out, or the returned status is FAILED while the
stored execution is still live, the local activity ``MarkAgentExecutionFailed`` records why.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    TimeoutError,
    TimeoutType,
)

WORKFLOW_NAME = "stigmer/agent-execution/invoke"
TASK_QUEUE = "agent_execution_stigmer"
RUNNER_TASK_QUEUE = "agent_execution_runner"
RUNNER_ACTIVITY = "ExecuteGraphton"
THREAD_ACTIVITY = "EnsureThread"
THREAD_TIMEOUT = timedelta(seconds=30)
MARK_FAILED_ACTIVITY = "MarkAgentExecutionFailed"
RUNNERS_POLLING_ACTIVITY = "AgentRunnersPolling"
RUN_TIMEOUT = timedelta(minutes=10)
DEFAULT_HEARTBEAT_S = 30
DEFAULT_SCHEDULE_TO_START_S = 60
MAX_ATTEMPTS = 3
NO_FINAL_PHASE = "the agent-runner finished without reporting a final phase"
FAILED_PHASE = 4  # ExecutionPhase.EXECUTION_FAILED (same number in every 3.x)


def describe_failure(error: BaseException, schedule_to_start_s: float, heartbeat_s: float,
                     run_timeout_s: float = RUN_TIMEOUT.total_seconds()) -> str:
    """Explain, in product words, why the runner activity failed."""
    cause = error.cause if isinstance(error, ActivityError) else error
    if isinstance(cause, TimeoutError):
        if cause.type == TimeoutType.SCHEDULE_TO_START:
            return (
                f"no agent-runner picked up the execution within {schedule_to_start_s:g}s "
                f"on task queue {RUNNER_TASK_QUEUE}"
            )
        if cause.type == TimeoutType.HEARTBEAT:
            return (
                f"the agent-runner stopped heartbeating for {heartbeat_s:g}s "
                "(it may have crashed or lost its connection)"
            )
        minutes = run_timeout_s / 60
        return f"the agent-runner did not finish within {minutes:g} minutes"
    if isinstance(cause, ApplicationError):
        return f"the agent-runner failed: {cause.message}"
    return f"the agent-runner activity failed: {cause or error}"


def _returned_failure(result: Any) -> str:
    """The error of a FAILED status the runner returned ("" when it did not fail).

    Read by field name, so any protobuf generation of ``AgentExecutionStatus`` (or a dict)
    works; FAILED_PHASE is EXECUTION_FAILED in every 3.x enum.
    """
    phase = getattr(result, "phase", None)
    error = getattr(result, "error", "")
    if isinstance(result, dict):
        phase, error = result.get("phase"), result.get("error", "")
    if phase in (FAILED_PHASE, "EXECUTION_FAILED"):
        return str(error or "the agent-runner reported the execution FAILED")
    return ""


def _not_picked_up(error: ActivityError) -> bool:
    cause = error.cause
    return isinstance(cause, TimeoutError) and cause.type == TimeoutType.SCHEDULE_TO_START


@workflow.defn(name=WORKFLOW_NAME, sandboxed=False)
class InvokeAgentExecutionWorkflow:
    """Runs one agent execution on an agent-runner and records infrastructure failures."""

    @workflow.run
    async def run(self, params: dict[str, Any]) -> str:
        """Returns "completed" or "failed"; cancellation propagates."""
        execution_id = str(params["execution_id"])
        session_id = str(params.get("session_id", ""))
        agent_id = str(params.get("agent_id", ""))
        heartbeat_s = float(params.get("heartbeat_timeout_s", DEFAULT_HEARTBEAT_S))
        schedule_s = float(params.get("schedule_to_start_timeout_s", DEFAULT_SCHEDULE_TO_START_S))
        run_s = float(params.get("run_timeout_s", RUN_TIMEOUT.total_seconds()))
        deadline = workflow.now() + timedelta(seconds=run_s)
        result: Any = None
        try:
            thread_id = await self._ensure_thread(session_id, agent_id, schedule_s, deadline)
            while True:
                try:
                    result = await workflow.execute_activity(
                        RUNNER_ACTIVITY,
                        args=[execution_id, thread_id],
                        task_queue=RUNNER_TASK_QUEUE,
                        start_to_close_timeout=timedelta(seconds=run_s),
                        heartbeat_timeout=timedelta(seconds=heartbeat_s),
                        schedule_to_start_timeout=timedelta(seconds=schedule_s),
                        retry_policy=RetryPolicy(maximum_attempts=MAX_ATTEMPTS),
                    )
                    break
                except ActivityError as error:
                    # Runners that are polling but busy are not missing: queue again.
                    if not (_not_picked_up(error) and workflow.now() < deadline
                            and await self._runners_polling(schedule_s)):
                        raise
                    workflow.logger.info("execution %s: runners busy, still queued",
                                         execution_id)
        except ActivityError as error:
            if isinstance(error.cause, CancelledError):
                raise
            reason = describe_failure(error, schedule_s, heartbeat_s, run_s)
            workflow.logger.warning("execution %s failed: %s", execution_id, reason)
            await self._mark_failed(execution_id, reason)
            return "failed"
        returned_error = _returned_failure(result)
        if returned_error:  # the runner could not record it itself (no-op when final)
            await self._mark_failed(execution_id, f"the agent-runner failed: {returned_error}")
            return "failed"
        await self._mark_failed(execution_id, NO_FINAL_PHASE)  # no-op when already final
        return "completed"

    async def _ensure_thread(
        self, session_id: str, agent_id: str, schedule_s: float, deadline: Any
    ) -> str:
        """``EnsureThread(session_id, agent_id)`` on the runner queue; busy runners queue."""
        while True:
            try:
                return str(await workflow.execute_activity(
                    THREAD_ACTIVITY,
                    args=[session_id, agent_id],
                    task_queue=RUNNER_TASK_QUEUE,
                    start_to_close_timeout=THREAD_TIMEOUT,
                    schedule_to_start_timeout=timedelta(seconds=schedule_s),
                    retry_policy=RetryPolicy(maximum_attempts=MAX_ATTEMPTS),
                ))
            except ActivityError as error:
                if not (_not_picked_up(error) and workflow.now() < deadline
                        and await self._runners_polling(schedule_s)):
                    raise
                workflow.logger.info("session %s: runners busy, still queued", session_id)

    @staticmethod
    async def _runners_polling(schedule_s: float) -> bool:
        return bool(await workflow.execute_local_activity(
            RUNNERS_POLLING_ACTIVITY,
            args=[RUNNER_TASK_QUEUE, 2 * schedule_s],
            start_to_close_timeout=timedelta(seconds=10),
            retry_policy=RetryPolicy(maximum_attempts=2),
        ))

    @staticmethod
    async def _mark_failed(execution_id: str, reason: str) -> None:
        await workflow.execute_local_activity(
            MARK_FAILED_ACTIVITY,
            args=[execution_id, reason],
            start_to_close_timeout=timedelta(seconds=30),
        )
