"""Projects as the suite reads them: a folder with a ``stigmer.yaml`` (the project's name) and
the manifests of its resources; and a snapshot of an organization's resources, to tell exactly
what applying a project changed. No behave import, no reference import."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from stigmer import ListParams, Page

from harness.stigmer.manifests import Manifest, load_manifest_file

PROJECT_FILE = "stigmer.yaml"
#: The words a scenario uses for a kind -> the kind the CLI prints and the manifests say.
KIND_WORDS = {"agent": "Agent", "workflow": "Workflow", "mcp server": "McpServer"}
PAGE_SIZE = 100


def kind_of(words: str) -> str:
    """``agent`` / ``workflow`` / ``MCP server`` -> Agent / Workflow / McpServer."""
    kind = KIND_WORDS.get(words.strip().lower())
    if kind is None:
        raise ValueError(f"unknown kind {words!r} (known: agent, workflow, MCP server)")
    return kind


def is_project(path: Path) -> bool:
    """Whether ``path`` is a project folder (it holds a ``stigmer.yaml``, any case)."""
    return path.is_dir() and any(p.name.lower() == PROJECT_FILE for p in path.iterdir())


def project_manifest_files(folder: Path) -> list[Path]:
    """The manifest files of a project folder (not ``stigmer.yaml``), in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file()
                  and p.suffix.lower() in (".yaml", ".yml") and p.name.lower() != PROJECT_FILE)


def project_manifests(folder: Path) -> list[Any]:
    """Every resource document of a project folder."""
    return [m for file in project_manifest_files(folder) for m in load_manifest_file(file)]


def with_reference_kinds(manifest: Manifest) -> Manifest:
    """The manifest with the kind of each skill / MCP server reference filled in where it
    leaves it out, as the SDK and the CLI fill it in before sending (so what is stored can be
    compared with what the manifest says)."""
    if manifest.kind != "Agent":
        return manifest
    document = copy.deepcopy(manifest.document)
    spec = document.get("spec") or {}
    holders = [spec, *(spec.get("subAgents") or [])]
    for holder in holders:
        for ref in holder.get("skillRefs") or []:
            ref.setdefault("kind", "skill")
    for usage in spec.get("mcpServerUsages") or []:
        if isinstance(usage.get("mcpServerRef"), dict):
            usage["mcpServerRef"].setdefault("kind", "mcp_server")
    return replace(manifest, document=document)


@dataclass(frozen=True)
class Stored:
    """One stored resource as a snapshot keeps it: identity, version and creation time."""

    kind: str
    slug: str
    name: str
    resource_id: str
    version_id: str
    created_at: datetime

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.slug}"


def _sdk(client: Any, kind: str) -> Any:
    return {"Agent": client.agents, "Workflow": client.workflows,
            "McpServer": client.mcp_servers}[kind]


def _listed(sdk: Any, org: str) -> Iterator[Any]:
    number = 1
    while True:
        result = sdk.list(ListParams(org=org, page=Page(num=number, size=PAGE_SIZE)))
        yield from (entry for entry in result.entries if entry.org == org)
        if number >= max(result.total_pages, 1):
            return
        number += 1


def stored(kind: str, resource: Any) -> Stored:
    meta = resource.metadata
    return Stored(kind, meta.slug, meta.name, meta.id, meta.version.id,
                  resource.status.audit.spec_audit.created_at.ToDatetime())


def organization_snapshot(client: Any, org: str) -> dict[str, Stored]:
    """``Kind/slug`` -> the stored agents, workflows and MCP servers of ``org``. Every write
    gives a resource a new version, so two equal snapshots mean nothing was written."""
    snapshot: dict[str, Stored] = {}
    for kind in KIND_WORDS.values():
        sdk = _sdk(client, kind)
        for entry in _listed(sdk, org):
            item = stored(kind, sdk.get(entry.id))
            snapshot[item.key] = item
    return snapshot


def snapshot_changes(before: dict[str, Stored], after: dict[str, Stored]) -> list[str]:
    """What differs between two snapshots, one line per resource (empty: nothing)."""
    changes = [f"{key} added" for key in sorted(after.keys() - before.keys())]
    changes += [f"{key} removed" for key in sorted(before.keys() - after.keys())]
    changes += [f"{key} rewritten (version {before[key].version_id} -> {after[key].version_id})"
                for key in sorted(before.keys() & after.keys())
                if before[key].version_id != after[key].version_id
                or before[key].resource_id != after[key].resource_id]
    return changes


@dataclass(frozen=True)
class Inventory:
    """Everything an organization holds: its resources (with versions) and the ids of its
    agent and workflow executions. Two equal inventories mean nothing was stored or written."""

    resources: dict[str, Stored]
    agent_executions: frozenset[str]
    workflow_executions: frozenset[str]

    def changes_since(self, before: Inventory) -> list[str]:
        """One line per difference from ``before`` (empty: nothing stored, nothing written)."""
        changes = snapshot_changes(before.resources, self.resources)
        changes += [f"agent execution {i} stored"
                    for i in sorted(self.agent_executions - before.agent_executions)]
        changes += [f"workflow execution {i} stored"
                    for i in sorted(self.workflow_executions - before.workflow_executions)]
        return changes

