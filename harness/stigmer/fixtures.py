"""The resources a fixture holds, whatever their kind, and how to apply and read them back.

A fixture is a manifest file, a folder of manifests (``kind: Agent``, ``Workflow``,
``McpServer``), a skill folder (``SKILL.md``) or a folder of skill folders. Steps use this to
word sentences generically ("I apply the "X" manifests again", "every resource kept its
identifier") and have them work for every kind. No behave import, no reference import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import yaml
from stigmer import StigmerError

from harness.stigmer.manifests import Manifest, ManifestError, load_manifests
from harness.stigmer.skills import SKILL_FILE

SKILL = "Skill"


@dataclass(frozen=True)
class FixtureResource:
    """One resource of a fixture: its kind, the slug it is addressed by, where it comes from."""

    kind: str
    slug: str
    manifest: Manifest | None = None
    folder: Path | None = None

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.slug}"


def _skill_name(folder: Path) -> str:
    text = (folder / SKILL_FILE).read_text()
    parts = text.split("---", 2)
    front = yaml.safe_load(parts[1]) if text.startswith("---") and len(parts) == 3 else {}
    name = (front or {}).get("name", "")
    if not name:
        raise ManifestError(f"{folder / SKILL_FILE}: the frontmatter has no name")
    return str(name)


def _manifest_slug(manifest: Manifest) -> str:
    metadata = manifest.document.get("metadata") or {}
    return str(metadata.get("slug") or manifest.name)


def fixture_resources(path: Path) -> list[FixtureResource]:
    """Every resource of the fixture at ``path`` (manifests, then skill folders)."""
    if (path / SKILL_FILE).is_file():
        return [FixtureResource(SKILL, _skill_name(path), folder=path)]
    skills = sorted(p for p in path.iterdir() if (p / SKILL_FILE).is_file()) \
        if path.is_dir() else []
    has_yaml = path.is_file() or any(path.glob("*.yaml")) or any(path.glob("*.yml"))
    manifests = load_manifests(path) if has_yaml or not skills else []
    return ([FixtureResource(m.kind, _manifest_slug(m), manifest=m) for m in manifests]
            + [FixtureResource(SKILL, _skill_name(folder), folder=folder) for folder in skills])


def apply_resource(api: Any, resource: FixtureResource) -> Any:
    """Create or update one resource through Stigmer's API; returns what Stigmer stored."""
    if resource.kind == SKILL:
        return api.skills.push(resource.folder)
    return api.apply(resource.manifest)


def get_resource(api: Any, kind: str, slug: str) -> Any:
    """The stored resource of ``kind`` addressed by ``slug`` (raises NOT_FOUND)."""
    getters = {"Agent": api.agents.get, "Workflow": api.workflows.get,
               "McpServer": api.mcp_servers.get, SKILL: api.skills.get}
    if kind not in getters:
        raise ValueError(f"reading back a {kind!r} is not supported ({', '.join(getters)})")
    return getters[kind](slug)


def find_resource(api: Any, kind: str, slug: str) -> Any | None:
    """The stored resource, or None when Stigmer says it does not exist (NOT_FOUND, or a
    reference it refuses as invalid: no resource can have a slug that breaks the rules)."""
    try:
        return get_resource(api, kind, slug)
    except StigmerError as error:
        if error.grpc_code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT):
            return None
        raise


def current_ids(api: Any, resources: Iterable[FixtureResource]) -> dict[str, str]:
    """``kind/slug`` -> id of the resources that already exist."""
    ids = {}
    for resource in resources:
        stored = find_resource(api, resource.kind, resource.slug)
        if stored is not None:
            ids[resource.key] = stored.metadata.id
    return ids


def _only(message: Any, field_name: str) -> Any:
    copy = type(message)()
    copy.CopyFrom(message)
    for field in copy.DESCRIPTOR.fields:
        if field.name != field_name:
            copy.ClearField(field.name)
    return copy


def stored_spec_differences(manifest: Manifest, stored: Any, org: str) -> list[str]:
    """Spec fields the manifest sets whose stored value differs (``[]`` when all match)."""
    resource: Any = manifest.to_proto(org=org)  # Agent, Workflow or McpServer: all have a spec
    wanted = resource.spec
    differences = []
    for field, value in wanted.ListFields():
        kept = _only(stored.spec, field.name)
        if kept != _only(wanted, field.name):
            shown = getattr(kept, field.name)
            differences.append(f"spec.{field.name}: stored {shown!r}, manifest {value!r}")
    return differences
