"""`run NAME --message M [--follow[=BOOL] | --no-follow] [--runtime-env [secret:]K=V]...`.

Resolves NAME (slug or id) as a workflow first, then as an agent, starts an execution and, by
default, follows it to the end. Runtime values are sent as `ExecutionValue`s; `secret:` ones
with `is_secret` set. No runtime value is ever printed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from typing import Any

from ai.stigmer.agentic.workflowexecution.v1 import io_pb2 as workflow_execution_io_pb2
from stigmer import AgentExecutionInput, EnvVarInput, WorkflowExecutionInput

from reference.cli.context import Context
from reference.cli.errors import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, CliError
from reference.cli.follow import AgentExecutionPrinter, WorkflowExecutionPrinter, follow
from reference.cli.output import (
    WORKFLOW_PHASES,
    execution_summary,
    is_terminal,
    phase_name,
    workflow_execution_summary,
)
from reference.cli.resources import find_agent, find_workflow


def runtime_env(values: Iterable[Any]) -> dict[str, EnvVarInput]:
    """`--runtime-env` entries as SDK inputs (the last value of a repeated key wins)."""
    return {v.key: EnvVarInput(value=v.value, is_secret=v.is_secret) for v in values}


def run_run(args: argparse.Namespace, ctx: Context) -> int:
    """Start (and by default follow) a workflow or agent execution."""
    org = ctx.settings.org
    workflow = find_workflow(ctx.client, org, args.name)
    if workflow is not None:
        return run_workflow(args, ctx, workflow)
    agent = find_agent(ctx.client, org, args.name)
    if agent is None:
        raise CliError(f"Agent or Workflow not found: {args.name}")
    return run_agent(args, ctx, agent)


def run_agent(args: argparse.Namespace, ctx: Context, agent: Any) -> int:
    """Create an agent execution; follow it unless `--follow=false`."""
    client = ctx.client
    execution = client.agent_executions.create(
        AgentExecutionInput(
            name="",
            org=ctx.settings.org,
            agent_id=agent.metadata.id,
            message=args.message,
            runtime_env=runtime_env(args.runtime_env),
        )
    )
    execution_id = execution.metadata.id
    if not _announce(args, ctx, "Agent", agent, execution_id):
        return EXIT_OK
    printer = AgentExecutionPrinter(ctx.out)
    final = _follow_to_end(
        ctx, printer, execution_id,
        lambda: client.agent_executions.subscribe(execution_id),
        lambda: client.agent_executions.get(execution_id),
        lambda snapshot: is_terminal(snapshot.status.phase),
    )
    if final is None:
        return EXIT_INTERRUPTED
    ctx.print(execution_summary(final.status.phase, final.status.messages))
    if phase_name(final.status.phase) == "COMPLETED":
        return EXIT_OK
    error = final.status.error
    if error and not any(error in text for text in printer.shown):
        ctx.error(f"Error: {error}")
    return EXIT_ERROR


def run_workflow(args: argparse.Namespace, ctx: Context, workflow: Any) -> int:
    """Create a workflow execution; follow it unless `--follow=false`."""
    client = ctx.client
    execution = client.workflow_executions.create(
        WorkflowExecutionInput(
            name="",
            org=ctx.settings.org,
            workflow_id=workflow.metadata.id,
            trigger_message=args.message,
            runtime_env=runtime_env(args.runtime_env),
        )
    )
    execution_id = execution.metadata.id
    if not _announce(args, ctx, "Workflow", workflow, execution_id):
        return EXIT_OK
    request = workflow_execution_io_pb2.SubscribeWorkflowExecutionRequest(
        execution_id=execution_id
    )
    printer = WorkflowExecutionPrinter(ctx.out)
    final = _follow_to_end(
        ctx, printer, execution_id,
        lambda: client.workflow_executions.subscribe(request),
        lambda: client.workflow_executions.get(execution_id),
        lambda snapshot: is_terminal(snapshot.status.phase, WORKFLOW_PHASES),
    )
    if final is None:
        return EXIT_INTERRUPTED
    ctx.print(workflow_execution_summary(final.status.phase, final.status.tasks))
    if phase_name(final.status.phase, WORKFLOW_PHASES) == "COMPLETED":
        return EXIT_OK
    if final.status.error:
        ctx.error(f"Error: {final.status.error}")
    return EXIT_ERROR


Printer = AgentExecutionPrinter | WorkflowExecutionPrinter


def _announce(args: argparse.Namespace, ctx: Context, what: str, target: Any,
              execution_id: str) -> bool:
    """Print what was started; True when the execution is to be followed."""
    ctx.print(f"{what} execution started: {target.metadata.name or args.name}")
    ctx.print(f"Execution ID: {execution_id}")
    return bool(args.follow)


def _follow_to_end(
    ctx: Context,
    printer: Printer,
    execution_id: str,
    subscribe: Callable[[], Iterable[Any]],
    get: Callable[[], Any],
    done: Callable[[Any], bool],
) -> Any | None:
    """The final snapshot, or None when the user stopped following (Ctrl-C; said on stderr)."""
    try:
        return follow(subscribe, get, printer, done)
    except KeyboardInterrupt:
        printer.finish()
        ctx.error(
            f"Stopped following; execution {execution_id} goes on "
            f"(cancel it with: stigmer-ref cancel {execution_id})"
        )
        return None
