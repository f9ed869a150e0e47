"""`get agent NAME` and `get execution ID` (`-o table|yaml|json`)."""

from __future__ import annotations

import argparse

from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api_pb2
from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api_pb2
from stigmer import StigmerError

from reference.cli.context import Context
from reference.cli.errors import EXIT_OK, is_not_found, not_found_error
from reference.cli.output import format_message, phase_name, render_document, render_table, to_dict
from reference.cli.resources import require_agent

AGENT_HEADERS = ("NAME", "SLUG", "ID", "ORG", "DESCRIPTION")
EXECUTION_HEADERS = ("ID", "AGENT", "PHASE", "MESSAGES")


def agent_row(agent: agent_api_pb2.Agent) -> tuple[str, ...]:
    """One table row for an agent."""
    meta = agent.metadata
    return (meta.name, meta.slug, meta.id, meta.org, agent.spec.description)


def execution_row(
    execution: execution_api_pb2.AgentExecution, agent_name: str = ""
) -> tuple[str, ...]:
    """One table row for an agent execution."""
    return (
        execution.metadata.id,
        agent_name or execution.spec.agent_id,
        phase_name(execution.status.phase),
        str(len(execution.status.messages)),
    )


def get_agent(args: argparse.Namespace, ctx: Context) -> int:
    """Show one agent by slug or id."""
    agent = require_agent(ctx.client, ctx.settings.org, args.name)
    if args.output == "table":
        ctx.print(render_table(AGENT_HEADERS, [agent_row(agent)]))
    else:
        ctx.print(render_document(to_dict(agent), args.output))
    return EXIT_OK


def get_execution(args: argparse.Namespace, ctx: Context) -> int:
    """Show one agent execution; the table view lists its messages below the row."""
    try:
        execution = ctx.client.agent_executions.get(args.execution_id)
    except StigmerError as exc:
        if is_not_found(exc):
            raise not_found_error("execution", args.execution_id) from exc
        raise
    if args.output != "table":
        ctx.print(render_document(to_dict(execution), args.output))
        return EXIT_OK
    agent_name = ""
    if execution.spec.agent_id:
        try:
            agent_name = ctx.client.agents.get(execution.spec.agent_id).metadata.name
        except StigmerError:
            agent_name = ""
    ctx.print(render_table(EXECUTION_HEADERS, [execution_row(execution, agent_name)]))
    if execution.status.messages:
        ctx.print()
        for message in execution.status.messages:
            ctx.print(format_message(message))
    error = execution.status.error
    if error and not any(error in m.content for m in execution.status.messages):
        ctx.print()
        ctx.print(f"Error: {error}")
    return EXIT_OK
