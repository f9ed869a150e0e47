"""`apply -f FILE_OR_DIR [--dry-run]`: create or update resources from YAML manifests.

A dry run checks each resource against the protos' own `buf.validate` rules (protovalidate,
as the server does) with the slug the server would derive, and shows Create/Update; it sends
no write."""

from __future__ import annotations

import argparse
from typing import Any

from stigmer import StigmerError

from reference.cli.context import Context
from reference.cli.errors import EXIT_ERROR, EXIT_OK, describe, is_unavailable
from reference.cli.manifests import Manifest, load_manifests, slugify
from reference.cli.output import render_table
from reference.cli.resources import apply_manifest, find_existing

APPLY_HEADERS = ("TYPE", "NAME", "STATUS", "ID")
DRY_RUN_HEADERS = ("TYPE", "NAME", "ACTION", "ID")


def run_apply(args: argparse.Namespace, ctx: Context) -> int:
    """Load all manifests first (nothing is sent if any is malformed), then apply or plan.
    A project (``--config``, or a directory with a ``stigmer.yaml``) is applied as one unit."""
    from reference.cli.project import project_file

    if args.config or project_file(args.file) is not None:
        from reference.cli.commands.project_apply import run_project_apply

        return run_project_apply(args, ctx)
    manifests = load_manifests(args.file, ctx.settings.org, recursive=args.recursive)
    if args.dry_run:
        return dry_run(manifests, ctx)
    return apply_all(manifests, ctx)


def apply_all(manifests: list[Manifest], ctx: Context) -> int:
    """Apply each resource in order; report every failure, then the outcome."""
    rows: list[tuple[str, str, str, str]] = []
    failures: list[str] = []
    for manifest in manifests:
        try:
            existing = find_existing(ctx.client, manifest)
            applied: Any = apply_manifest(ctx.client, manifest)  # every kind has metadata
        except StigmerError as exc:
            if is_unavailable(exc):
                raise
            rows.append((manifest.kind, manifest.name, "Failed", ""))
            failures.append(f"{_label(manifest)}: {describe(exc)}")
            continue
        status = "Updated" if existing is not None else "Created"
        rows.append((manifest.kind, manifest.name, status, applied.metadata.id))
    return _report(
        ctx, APPLY_HEADERS, rows, failures,
        f"Deployment failed: {len(failures)} of {len(manifests)} resources failed",
        "Deployment successful",
    )


def dry_run(manifests: list[Manifest], ctx: Context) -> int:
    """Validate locally and show whether each resource would be created or updated."""
    rows: list[tuple[str, str, str, str]] = []
    failures: list[str] = []
    for manifest in manifests:
        problems = check_manifest(manifest)
        if problems:
            rows.append((manifest.kind, manifest.name, "Invalid", ""))
            failures.extend(f"{_label(manifest)}: {problem}" for problem in problems)
            continue
        existing: Any = find_existing(ctx.client, manifest)
        if existing is None:
            rows.append((manifest.kind, manifest.name, "Create", ""))
        else:
            rows.append((manifest.kind, manifest.name, "Update", existing.metadata.id))
    return _report(
        ctx, DRY_RUN_HEADERS, rows, failures,
        f"Dry run failed: {len(failures)} problem(s) in {len(manifests)} resources",
        "Dry run successful",
    )


def check_manifest(manifest: Manifest) -> list[str]:
    """The rules the resource breaks, as the server would see it (slug derived from the name
    when the manifest sets none); empty when it keeps them all."""
    from reference.proto_rules import violations  # protovalidate: only dry runs pay its import

    resource = type(manifest.resource)()
    resource.CopyFrom(manifest.resource)
    meta = resource.metadata  # type: ignore[attr-defined]
    derived = not meta.slug
    if derived:
        meta.slug = slugify(manifest.name)
    problems = violations(resource)
    if derived:
        problems = [p.replace("metadata.slug:", f"metadata.slug ({meta.slug!r}, derived from "
                              f"metadata.name {manifest.name!r}):", 1) for p in problems]
    return problems


def _label(manifest: Manifest) -> str:
    return f"{manifest.kind} {manifest.name!r} ({manifest.source})"


def _report(
    ctx: Context,
    headers: tuple[str, ...],
    rows: list[tuple[str, str, str, str]],
    failures: list[str],
    failed: str,
    succeeded: str,
) -> int:
    """Print the table, then each failure and ``failed`` (exit 1) or ``succeeded`` (exit 0)."""
    ctx.print(render_table(headers, rows))
    ctx.print()
    if failures:
        for failure in failures:
            ctx.error(f"Error: {failure}")
        ctx.error(failed)
        return EXIT_ERROR
    ctx.print(succeeded)
    return EXIT_OK
