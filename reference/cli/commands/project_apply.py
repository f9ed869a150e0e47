"""`apply --config PROJECT [--dry-run] [--prune=BOOL]`: apply a project as one unit.

The whole project is read and checked first (manifests, the protos' rules, references, cycles)
and the changes planned from reads only; any problem is reported and nothing is written. Then
resources are created or updated in dependency order (an MCP server before the agent that uses
it, an agent before the workflow that calls it), unchanged ones are left alone, and the
project's resources it no longer lists (orphans) are removed, dependents first.
A dry run prints the same plan (Create / Update / Unchanged / Delete) and writes nothing.
"""

from __future__ import annotations

import argparse
from collections import Counter
from typing import Any

from stigmer import StigmerError

from reference.cli.context import Context
from reference.cli.errors import EXIT_ERROR, EXIT_OK, describe, is_unavailable
from reference.cli.output import render_table
from reference.cli.project import load_project
from reference.cli.reconcile import Plan, Step, label, make_plan
from reference.cli.resources import apply_manifest, sdk_for

PLAN_HEADERS = ("TYPE", "NAME", "ACTION", "ID")
APPLY_HEADERS = ("TYPE", "NAME", "STATUS", "ID")
DONE = {"Create": "Created", "Update": "Updated", "Unchanged": "Unchanged", "Delete": "Deleted"}


def run_project_apply(args: argparse.Namespace, ctx: Context) -> int:
    """Plan the project against the server, then show the plan (dry run) or carry it out."""
    project = load_project(args.config or args.file, ctx.settings.org)
    plan = make_plan(ctx.client, project, ctx.settings.org, prune=args.prune)
    if plan.problems:
        _table(ctx, PLAN_HEADERS, [(s, _checked(s, plan.problems)) for s in plan.steps])
        for problem in plan.problems:
            ctx.error(f"Error: {problem}")
        ctx.error(f"Project {project.name!r} not applied: {len(plan.problems)} problem(s); "
                  "nothing was changed")
        return EXIT_ERROR
    if args.dry_run:
        _table(ctx, PLAN_HEADERS, [(s, s.action) for s in plan.steps])
        ctx.print(f"Project {project.name!r}: {_summary(plan)}")
        ctx.print("Dry run successful")
        return EXIT_OK
    return _carry_out(ctx, project.name, plan)


def _carry_out(ctx: Context, name: str, plan: Plan) -> int:
    """Run the steps in order; stop at the first refusal and say what was done before it."""
    rows: list[tuple[Step, str]] = []
    for step in plan.steps:
        try:
            _run_step(ctx, step)
        except StigmerError as exc:
            if is_unavailable(exc):
                raise
            rows.append((step, "Failed"))
            _table(ctx, APPLY_HEADERS, rows)
            ctx.error(f"Error: {step.kind} {step.name!r}: {describe(exc)}")
            ctx.error(f"Deployment of project {name!r} failed after {len(rows) - 1} of "
                      f"{len(plan.steps)} steps")
            return EXIT_ERROR
        rows.append((step, DONE[step.action]))
    _table(ctx, APPLY_HEADERS, rows)
    ctx.print(f"Project {name!r}: {_summary(plan)}")
    ctx.print("Deployment successful")
    return EXIT_OK


def _checked(step: Step, problems: list[str]) -> str:
    """The step's action, or ``Invalid`` when a problem names its resource."""
    if step.manifest is not None and any(p.startswith(label(step.manifest)) for p in problems):
        return "Invalid"
    return step.action


def _run_step(ctx: Context, step: Step) -> None:
    if step.action in ("Create", "Update"):
        assert step.manifest is not None
        applied: Any = apply_manifest(ctx.client, step.manifest)
        step.existing = applied
    elif step.action == "Delete":
        sdk_for(ctx.client, step.kind).delete(step.resource_id)


def _summary(plan: Plan) -> str:
    counts = Counter(step.action for step in plan.steps)
    return ", ".join(f"{counts[a]} {DONE[a].lower()}" for a in DONE if counts[a]) or "empty"


def _table(ctx: Context, headers: tuple[str, ...], rows: list[tuple[Step, str]]) -> None:
    ctx.print(render_table(headers, [(s.kind, s.name, what, s.resource_id) for s, what in rows]))
    ctx.print()
