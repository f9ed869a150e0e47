"""`run [agent|workflow] NAME -m M [--detach | --follow=BOOL] [--env K=V] [--secret K=V]
[--env-file FILE] [--secret-file FILE] [--runtime-env [secret:]K=V] [--model MODEL]`.

Resolves NAME (slug or id) as the given type, or untyped as a workflow first, then an agent;
starts an execution and, unless detached, follows it to the end (exit 0 only on COMPLETED; a
failed execution says why on stderr and exits 1). Runtime values are sent as
`ExecutionValue`s, secrets with `is_secret` set. No runtime value is ever printed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ai.stigmer.agentic.workflowexecution.v1 import io_pb2 as workflow_execution_io_pb2
from stigmer import (
    AgentExecutionInput,
    EnvVarInput,
    ExecutionConfigInput,
    WorkflowExecutionInput,
)

from reference.cli.context import Context
from reference.cli.errors import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    not_found_error,
)
from reference.cli.follow import AgentExecutionPrinter, WorkflowExecutionPrinter, follow
from reference.cli.output import (
    WORKFLOW_PHASES,
    execution_summary,
    is_terminal,
    phase_name,
    workflow_execution_summary,
)
from reference.cli.resources import find_agent, find_workflow

TYPES = ("agent", "workflow")


def runtime_env(values: Iterable[Any]) -> dict[str, EnvVarInput]:
    """`--runtime-env` entries as SDK inputs (the last value of a repeated key wins)."""
    return {v.key: EnvVarInput(value=v.value, is_secret=v.is_secret) for v in values}


def env_file_values(path: str) -> list[tuple[str, str]]:
    """`KEY=VALUE` lines of a dotenv file (blank lines, `#` comments and `export ` ignored;
    one pair of surrounding quotes removed)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CliError(f"cannot read env file {path}: {exc.strerror or exc}") from exc
    pairs = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise CliError(f"{path}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        pairs.append((key.strip(), value))
    return pairs


def all_runtime_env(args: argparse.Namespace) -> dict[str, EnvVarInput]:
    """Every runtime value of the command line, merged in the real CLI's order (a later layer
    wins for a repeated key, and the winner says whether the value is secret): env files,
    then secret files, then `--env`, then `--secret` (each in the order given), then the
    January spelling `--runtime-env [secret:]K=V`."""
    values: dict[str, EnvVarInput] = {}
    for path in getattr(args, "env_file", None) or ():
        values.update({k: EnvVarInput(value=v) for k, v in env_file_values(path)})
    for path in getattr(args, "secret_file", None) or ():
        values.update({k: EnvVarInput(value=v, is_secret=True)
                       for k, v in env_file_values(path)})
    values.update({k: EnvVarInput(value=v) for k, v in getattr(args, "env", [])})
    values.update({k: EnvVarInput(value=v, is_secret=True)
                   for k, v in getattr(args, "secret", [])})
    values.update(runtime_env(args.runtime_env))
    return values


def target(args: argparse.Namespace) -> tuple[str | None, str]:
    """`(type or None, name)` from `run [TYPE] NAME`."""
    parts = list(args.target)
    if len(parts) == 1:
        return None, parts[0]
    if len(parts) == 2 and parts[0] in TYPES:
        return parts[0], parts[1]
    raise CliError(f"expected [agent|workflow] NAME, got {' '.join(parts)!r}", EXIT_USAGE)


def run_run(args: argparse.Namespace, ctx: Context) -> int:
    """Start (and by default follow) a workflow or agent execution."""
    org = ctx.settings.org
    kind, args.name = target(args)
    if kind in (None, "workflow"):
        workflow = find_workflow(ctx.client, org, args.name)
        if workflow is not None:
            return run_workflow(args, ctx, workflow)
        if kind == "workflow":
            raise not_found_error("workflow", args.name)
    agent = find_agent(ctx.client, org, args.name)
    if agent is None:
        raise not_found_error("agent", args.name)
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
            runtime_env=all_runtime_env(args),
            execution_config=ExecutionConfigInput(model_name=args.model) if args.model else None,
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
    phase = phase_name(final.status.phase)
    if phase == "COMPLETED":
        return EXIT_OK
    ctx.error(f"Error: execution {phase}: {final.status.error or 'no reason given'}")
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
            runtime_env=all_runtime_env(args),
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
    phase = phase_name(final.status.phase, WORKFLOW_PHASES)
    if phase == "COMPLETED":
        return EXIT_OK
    ctx.error(f"Error: workflow execution {phase}: {final.status.error or 'no reason given'}")
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
            f"(cancel it with: stigmer cancel {execution_id})"
        )
        return None
