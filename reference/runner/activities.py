"""The ``ExecuteGraphton`` Temporal activity: run one agent execution end to end."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api
from temporalio import activity
from temporalio.exceptions import ApplicationError

from .agent_loop import run_agent
from .approvals import ExecutionControl
from .backend import Backend
from .config import ACTIVITY_NAME, RunnerConfig
from .context import McpServerPlan, load_agent_context, select_model
from .errors import (
    BackendError,
    ExecutionStopped,
    RunnerError,
    describe_error,
    failure_message,
)
from .heartbeat import heartbeating
from .llm import ChatModel
from .mcp_tools import open_toolset
from .messages import TERMINAL_PHASES, phase_name
from .redaction import Redactor
from .status_reporter import StatusReporter
from .subagents import DelegatingToolset
from .tools import Toolset

log = logging.getLogger(__name__)

ToolsetFactory = Callable[[Sequence[McpServerPlan]], AbstractAsyncContextManager[Toolset]]


def _heartbeat(*details: object) -> None:
    if activity.in_activity():
        activity.heartbeat(*details)


class ExecuteGraphton:
    """Holds the runner's shared clients; :meth:`run` is the registered activity."""

    def __init__(
        self,
        config: RunnerConfig,
        backend: Backend,
        model: ChatModel,
        toolsets: ToolsetFactory = open_toolset,
        heartbeat_interval_s: float = 5.0,
    ) -> None:
        self._config = config
        self._backend = backend
        self._model = model
        self._toolsets = toolsets
        self._heartbeat_interval_s = heartbeat_interval_s

    def _interval_for_this_activity(self) -> float:
        """Beat at least three times per heartbeat timeout the workflow set (if any)."""
        timeout = activity.info().heartbeat_timeout if activity.in_activity() else None
        if timeout is None or timeout.total_seconds() <= 0:
            return self._heartbeat_interval_s
        return min(self._heartbeat_interval_s, max(0.2, timeout.total_seconds() / 3))

    @activity.defn(name=ACTIVITY_NAME)
    async def run(
        self, execution_id: str, thread_id: str = "",
        invoker_identity_account_id: str | None = None,
    ) -> execution_api.AgentExecutionStatus:
        """Execute agent execution ``execution_id`` in ``thread_id``, reporting progress to the
        backend; returns the final status, slim (phase, error, times), as Stigmer's runner."""
        attempt = activity.info().attempt if activity.in_activity() else 1
        log.info("execution %s: started (attempt %d, thread %s)", execution_id, attempt,
                 thread_id or "-")
        reporter = StatusReporter(
            self._backend, execution_id,
            update_every=self._config.stream_update_every, model=self._config.llm_model,
        )
        async with heartbeating(self._interval_for_this_activity(), _heartbeat):
            try:
                await self._execute(execution_id, reporter)
            except ExecutionStopped as stop:
                log.info("execution %s: stopped quietly (%s)", execution_id, stop.reason)
                return execution_api.AgentExecutionStatus()  # no final phase of ours
            except asyncio.CancelledError:
                log.info("execution %s: cancelled, streaming stopped", execution_id)
                raise
        return reporter.slim_status()

    async def _execute(self, execution_id: str, reporter: StatusReporter) -> None:
        try:
            execution = await self._backend.get_execution(execution_id)
            if execution.status.phase in TERMINAL_PHASES:
                raise ExecutionStopped(f"already {phase_name(execution.status.phase)}")
            await self._run_execution(execution_id, execution, reporter)
        except (ExecutionStopped, asyncio.CancelledError):
            raise
        except Exception as exc:
            await self._fail(execution_id, reporter, exc)

    async def _run_execution(
        self,
        execution_id: str,
        execution: execution_api.AgentExecution,
        reporter: StatusReporter,
    ) -> None:
        model_name = select_model(execution, self._config.llm_model)
        reporter.model = model_name
        await reporter.start(execution.spec.message, execution.status.messages)
        ctx = await load_agent_context(self._backend, execution, self._config.llm_model)
        reporter.redactor = Redactor(ctx.secret_values)
        log.info(
            "execution %s: agent %r, model %s at %s, skills %s, %d MCP server(s), "
            "sub-agents %s, env vars %s",
            execution_id, ctx.agent_name, ctx.model, self._config.ollama_base_url,
            [s.name for s in ctx.skills], len(ctx.mcp_servers),
            [s.name for s in ctx.sub_agents], sorted(ctx.env),
        )
        async with self._toolsets(ctx.mcp_servers) as mcp_tools:
            tools: Toolset = mcp_tools
            if ctx.sub_agents:
                tools = DelegatingToolset(
                    mcp_tools, ctx.sub_agents, self._model, reporter,
                    execution_id=execution_id, fallback_task=ctx.message, heartbeat=_heartbeat,
                )
            usage = await run_agent(
                ctx, self._model, reporter, tools,
                max_tool_rounds=self._config.max_tool_rounds, heartbeat=_heartbeat,
                control=ExecutionControl(self._backend, execution_id),
            )
        await reporter.complete(usage)

    async def _fail(self, execution_id: str, reporter: StatusReporter, exc: Exception) -> None:
        description = reporter.redactor.redact(describe_error(exc))
        # Tracebacks only for unexpected errors (bugs); RunnerErrors describe themselves.
        log.error("execution %s: failed: %s", execution_id, description,
                  exc_info=not isinstance(exc, RunnerError))
        reported = False
        try:
            await reporter.fail(description)
            reported = True
        except ExecutionStopped as stop:
            raise ExecutionStopped(f"could not record the failure: {stop.reason}") from exc
        except Exception as report_exc:
            log.warning(
                "execution %s: could not record FAILED: %s",
                execution_id, reporter.redactor.redact(describe_error(report_exc)),
            )
        # Retry only when nothing terminal was recorded and the backend may come back.
        # `from None`: the cause chain would travel to Temporal unredacted.
        transient = isinstance(exc, BackendError) and exc.code == "unavailable"
        raise ApplicationError(
            failure_message(description),
            type=type(exc).__name__,
            non_retryable=reported or not transient,
        ) from None
