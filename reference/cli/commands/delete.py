"""`delete agent NAME`."""

from __future__ import annotations

import argparse

from reference.cli.context import Context
from reference.cli.errors import EXIT_OK
from reference.cli.resources import require_agent


def delete_agent(args: argparse.Namespace, ctx: Context) -> int:
    """Delete an agent by slug or id: `Agent deleted: NAME (agt-...)`."""
    agent = require_agent(ctx.client, ctx.settings.org, args.name)
    ctx.client.agents.delete(agent.metadata.id)
    ctx.print(f"Agent deleted: {agent.metadata.name} ({agent.metadata.id})")
    return EXIT_OK
