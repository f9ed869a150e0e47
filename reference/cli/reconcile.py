"""Planning a project apply: what to create, update, leave alone and remove, in an order that
respects the references between the resources (an MCP server or skill before the agent that
uses it, an agent before the workflow that calls it; removals the other way round).

The plan is made from reads only; every problem it finds (a rule of the protos broken, a
reference to nothing, a cycle) is reported before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from stigmer import ListParams, Page, ResourceRef, StigmerClient, StigmerError

from reference.cli.commands.apply import check_manifest
from reference.cli.errors import is_invalid_argument, is_not_found, is_unimplemented
from reference.cli.manifests import Manifest
from reference.cli.project import PROJECT_LABEL, Project
from reference.cli.resources import find_existing

#: Dependencies first: a kind only refers to kinds before it.
KIND_ORDER = ("McpServer", "Agent", "Workflow")
KIND_WORDS = {"McpServer": "MCP server", "Agent": "agent", "Workflow": "workflow",
              "Skill": "skill"}
PAGE_SIZE = 100

Key = tuple[str, str, str]  # kind, org, slug


@dataclass
class Step:
    """One change of the plan: Create, Update, Unchanged or Delete."""

    action: str
    kind: str
    name: str
    manifest: Manifest | None = None
    existing: Any = None  # the stored resource (Update, Unchanged, Delete)

    @property
    def resource_id(self) -> str:
        return self.existing.metadata.id if self.existing is not None else ""


@dataclass
class Plan:
    """The steps in the order they are to run, and the problems that forbid running any."""

    steps: list[Step] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def label(manifest: Manifest) -> str:
    return f"{manifest.kind} {manifest.name!r} ({manifest.source})"


def key_of(manifest: Manifest) -> Key:
    return manifest.kind, manifest.org, manifest.slug


def references(manifest: Manifest) -> list[Key]:
    """The resources ``manifest`` refers to: MCP servers and skills of an agent (and of its
    sub-agents), agents called by a workflow's tasks (nested ones too)."""
    spec: Any = manifest.resource.spec  # type: ignore[attr-defined]
    org = manifest.org
    found: list[Key] = []
    if manifest.kind == "Agent":
        for usage in spec.mcp_server_usages:
            ref = usage.mcp_server_ref
            found.append(("McpServer", ref.org or org, ref.slug))
        for ref in [*spec.skill_refs, *(r for s in spec.sub_agents for r in s.skill_refs)]:
            found.append(("Skill", ref.org or org, ref.slug))
    elif manifest.kind == "Workflow":
        tasks = json_format.MessageToDict(spec).get("tasks", [])
        found.extend(("Agent", org, slug) for slug in _called_agents(tasks))
    return [k for k in found if k[2]]


def _called_agents(value: Any) -> Iterator[str]:
    """Agent slugs of every ``agent_call`` task in a (nested) task list."""
    if isinstance(value, list):
        for item in value:
            yield from _called_agents(item)
    elif isinstance(value, dict):
        if value.get("kind") == "agent_call":
            agent = (value.get("taskConfig") or {}).get("agent")
            if isinstance(agent, str) and agent.strip():
                yield agent.strip()
        for item in value.values():
            yield from _called_agents(item)


def make_plan(client: StigmerClient, project: Project, org: str, prune: bool = True) -> Plan:
    """Compare the project with the server and order the changes; reads only."""
    plan = Plan()
    declared = {key_of(m): m for m in project.manifests}
    current: dict[Key, Step] = {}
    for manifest in project.manifests:
        plan.problems.extend(f"{label(manifest)}: {p}" for p in check_manifest(manifest))
        existing: Any = find_existing(client, manifest)
        if existing is None:
            action = "Create"
        else:
            action = "Unchanged" if same(manifest, existing) else "Update"
        current[key_of(manifest)] = Step(action, manifest.kind, manifest.name, manifest,
                                         existing)
    orphans = find_orphans(client, project, org, set(declared)) if prune else []
    removed = {(s.kind, org, s.existing.metadata.slug) for s in orphans}
    needs: dict[Key, list[Key]] = {}
    for manifest in project.manifests:
        needs[key_of(manifest)] = []
        for ref in references(manifest):
            what = f"{KIND_WORDS[ref[0]]} {ref[2]!r}"
            if ref in declared:
                needs[key_of(manifest)].append(ref)
            elif ref in removed:
                plan.problems.append(f"{label(manifest)}: uses the {what}, which this apply "
                                     "would remove (it is no longer in the project)")
            elif not exists(client, ref):
                plan.problems.append(f"{label(manifest)}: uses the {what}, which is neither "
                                     "in the project nor on the server")
    ordered, cycle = dependency_order(list(declared), needs)
    if cycle:
        names = " -> ".join(f"{KIND_WORDS[k[0]]} {k[2]!r}" for k in cycle)
        plan.problems.append(f"the project's references go round in a circle: {names}")
    plan.steps = [current[k] for k in ordered]
    plan.steps += sorted(orphans, key=lambda s: -KIND_ORDER.index(s.kind))
    return plan


def same(manifest: Manifest, existing: Any) -> bool:
    """True when applying ``manifest`` would not change what is stored (name, labels,
    annotations, tags and spec)."""
    wanted: Any = manifest.resource
    return (wanted.metadata.name == existing.metadata.name
            and dict(wanted.metadata.labels) == dict(existing.metadata.labels)
            and dict(wanted.metadata.annotations) == dict(existing.metadata.annotations)
            and list(wanted.metadata.tags) == list(existing.metadata.tags)
            and wanted.spec == existing.spec)


def dependency_order(keys: list[Key], needs: dict[Key, list[Key]]) -> tuple[list[Key], list[Key]]:
    """``keys`` with every resource after those it needs (ties keep kind order, then file
    order), and a cycle (empty when there is none)."""
    rank = {k: (KIND_ORDER.index(k[0]), i) for i, k in enumerate(keys)}
    ordered: list[Key] = []
    done: set[Key] = set()
    pending = sorted(keys, key=rank.__getitem__)
    while pending:
        ready = [k for k in pending if all(d in done for d in needs.get(k, ()))]
        if not ready:
            return ordered + pending, _cycle(pending, needs)
        ordered.append(ready[0])
        done.add(ready[0])
        pending.remove(ready[0])
    return ordered, []


def _cycle(pending: list[Key], needs: dict[Key, list[Key]]) -> list[Key]:
    path: list[Key] = []
    node = pending[0]
    while node not in path:
        path.append(node)
        node = next(d for d in needs[node] if d in pending)
    return [*path[path.index(node):], node]


def exists(client: StigmerClient, ref: Key) -> bool:
    """Whether the server has the referenced resource (a server that cannot say: yes)."""
    kind, org, slug = ref
    sdk: Any = {"McpServer": client.mcp_servers, "Agent": client.agents,
           "Workflow": client.workflows, "Skill": client.skills}[kind]
    try:
        sdk.get_by_reference(ResourceRef(org=org, slug=slug))
        return True
    except StigmerError as exc:
        if is_not_found(exc) or is_invalid_argument(exc):
            return False
        if is_unimplemented(exc):
            return True
        raise


def find_orphans(client: StigmerClient, project: Project, org: str,
                 declared: set[Key]) -> list[Step]:
    """Resources of ``org`` labelled with the project that it no longer declares."""
    orphans = []
    for kind in KIND_ORDER:
        sdk: Any = {"McpServer": client.mcp_servers, "Agent": client.agents,
                    "Workflow": client.workflows}[kind]
        for entry in _listed(sdk, org):
            if (kind, org, entry.slug) in declared:
                continue
            resource = sdk.get(entry.id)
            if resource.metadata.labels.get(PROJECT_LABEL) == project.slug:
                orphans.append(Step("Delete", kind, resource.metadata.name, None, resource))
    return orphans


def _listed(sdk: Any, org: str) -> Iterator[Any]:
    number = 1
    while True:
        result = sdk.list(ListParams(org=org, page=Page(num=number, size=PAGE_SIZE)))
        yield from (e for e in result.entries if e.org == org)
        if number >= max(result.total_pages, 1):
            return
        number += 1
