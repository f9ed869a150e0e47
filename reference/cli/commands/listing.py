"""`list agents` and `list executions [--agent NAME]` (`-o table|yaml|json`)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from ai.stigmer.agentic.agentexecution.v1 import api_pb2 as execution_api_pb2
from ai.stigmer.agentic.agentexecution.v1 import io_pb2 as execution_io_pb2
from ai.stigmer.search.v1 import io_pb2 as search_io_pb2
from stigmer import ListParams, Page, StigmerClient, StigmerError

from reference.cli.commands.get import EXECUTION_HEADERS, execution_row
from reference.cli.context import Context
from reference.cli.errors import EXIT_OK
from reference.cli.output import render_document, render_table, to_dict
from reference.cli.resources import require_agent

PAGE_SIZE = 100
MAX_PAGES = 1000  # a guard against servers that never stop paging
AGENT_LIST_HEADERS = ("NAME", "SLUG", "ID", "DESCRIPTION")


def iter_agents(client: StigmerClient, org: str) -> Iterator[search_io_pb2.SearchResult]:
    """Every agent of `org`, page by page (SearchService)."""
    for number in range(1, MAX_PAGES + 1):
        result = client.agents.list(ListParams(org=org, page=Page(num=number, size=PAGE_SIZE)))
        yield from result.entries
        if number >= result.total_pages or not result.entries:
            return


def iter_executions(
    client: StigmerClient, org: str
) -> Iterator[execution_api_pb2.AgentExecution]:
    """Every agent execution of `org`, following page tokens."""
    token = ""
    for _ in range(MAX_PAGES):
        page = client.agent_executions.list(
            execution_io_pb2.ListAgentExecutionsRequest(
                org=org, page_size=PAGE_SIZE, page_token=token
            )
        )
        yield from page.entries
        token = page.next_page_token
        if not token or not page.entries:
            return


def list_agents(args: argparse.Namespace, ctx: Context) -> int:
    """List the org's agents."""
    agents = list(iter_agents(ctx.client, ctx.settings.org))
    if args.output != "table":
        ctx.print(render_document([to_dict(a) for a in agents], args.output))
    elif not agents:
        ctx.print("No agents found")
    else:
        rows = [(a.name, a.slug, a.id, a.description) for a in agents]
        ctx.print(render_table(AGENT_LIST_HEADERS, rows))
    return EXIT_OK


def list_executions(args: argparse.Namespace, ctx: Context) -> int:
    """List agent executions, optionally only those of one agent (filtered here)."""
    agent_id = ""
    if args.agent:
        agent_id = require_agent(ctx.client, ctx.settings.org, args.agent).metadata.id
    executions = [
        e for e in iter_executions(ctx.client, ctx.settings.org)
        if not agent_id or e.spec.agent_id == agent_id
    ]
    if args.output != "table":
        ctx.print(render_document([to_dict(e) for e in executions], args.output))
    elif not executions:
        ctx.print("No executions found")
    else:
        names = _agent_names(ctx.client, {e.spec.agent_id for e in executions})
        rows = [execution_row(e, names.get(e.spec.agent_id, "")) for e in executions]
        ctx.print(render_table(EXECUTION_HEADERS, rows))
    return EXIT_OK


def _agent_names(client: StigmerClient, agent_ids: set[str]) -> dict[str, str]:
    """Agent id -> name, skipping ids that cannot be looked up."""
    names: dict[str, str] = {}
    for agent_id in sorted(filter(None, agent_ids)):
        try:
            names[agent_id] = client.agents.get(agent_id).metadata.name
        except StigmerError:
            continue
    return names
