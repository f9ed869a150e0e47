"""The Temporal workflow ``stigmer/workflow-execution/invoke``: the interpreter, durable.

Timers are Temporal timers, HTTP and agent calls are activities (on this runner's task
queue), progress reports are local activities. A Temporal cancellation (the server's cancel
RPC) stops the run wherever it waits.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutError

with workflow.unsafe.imports_passed_through():
    from reference.workflow_dsl.contract import WORKFLOW_NAME

    from .activities import AGENT_ACTIVITY, HTTP_ACTIVITY, REPORT_ACTIVITY
    from .interpreter import ActivityFailure, Interpreter

AGENT_TIMEOUT = timedelta(minutes=10)
AGENT_HEARTBEAT = timedelta(seconds=30)
REPORT_TIMEOUT = timedelta(seconds=30)
NO_RETRY = RetryPolicy(maximum_attempts=1)


def _failure(error: ActivityError) -> ActivityFailure:
    cause = error.cause
    if isinstance(cause, ApplicationError):
        details = cause.details[0] if cause.details else {}
        status = details.get("status") if isinstance(details, dict) else None
        return ActivityFailure(cause.message, cause.type or "error", status)
    if isinstance(cause, TimeoutError):
        kind = cause.type.name.lower() if cause.type is not None else "unknown kind"
        return ActivityFailure(f"timed out ({kind})", "timeout")
    return ActivityFailure(str(cause or error), "error")


class TemporalEffects:
    """:class:`Effects` on Temporal: activities, durable timers, deterministic clock."""

    async def http_call(self, request: dict[str, Any]) -> Any:
        seconds = float(request["config"].get("timeout_seconds") or 30)
        try:
            return await workflow.execute_activity(
                HTTP_ACTIVITY, request, start_to_close_timeout=timedelta(seconds=seconds + 5),
                retry_policy=NO_RETRY)
        except ActivityError as error:
            raise _failure(error) from None

    async def agent_call(self, request: dict[str, Any]) -> Any:
        try:
            return await workflow.execute_activity(
                AGENT_ACTIVITY, request, start_to_close_timeout=AGENT_TIMEOUT,
                heartbeat_timeout=AGENT_HEARTBEAT, retry_policy=NO_RETRY)
        except ActivityError as error:
            raise _failure(error) from None

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)  # a durable Temporal timer inside a workflow

    async def report(self, update: dict[str, Any]) -> bool:
        return await workflow.execute_local_activity(
            REPORT_ACTIVITY, update, start_to_close_timeout=REPORT_TIMEOUT,
            retry_policy=RetryPolicy(maximum_attempts=5))

    def now(self) -> datetime:
        return workflow.now()


@workflow.defn(name=WORKFLOW_NAME)
class WorkflowExecutionInterpreter:
    """Interprets one workflow execution (workflow id = the execution id)."""

    @workflow.run
    async def run(self, params: dict[str, Any]) -> str:
        """Returns the final phase reported ("stopped" when the server had already ended it)."""
        interpreter = Interpreter(params, TemporalEffects())
        try:
            return await interpreter.run()
        except asyncio.CancelledError:
            workflow.logger.info("workflow execution %s cancelled", params["execution_id"])
            raise
