"""Loading Stigmer resource manifests (Kubernetes-like YAML) into protobuf messages.

One or more YAML documents per file; each document is one resource::

    apiVersion: agentic.stigmer.ai/v1
    kind: Agent
    metadata: {name: greeter, slug: greeter, org: local, labels: {team: qa}}
    spec:
      description: ...
      iconUrl: https://...
      instructions: ...
      skillRefs: [{slug: my-skill}]
      mcpServerUsages: [{mcpServerRef: {slug: github}, enabledTools: [search]}]
      subAgents: [{name: researcher, instructions: ...}]
      env: {API_TOKEN: {description: ..., isSecret: true, optional: false}}

Field names are the protobuf JSON names (camelCase; the snake_case proto names are accepted
too). Unknown fields are rejected with the file, the document and the field path.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api_pb2
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_server_api_pb2
from ai.stigmer.agentic.workflow.v1 import api_pb2 as workflow_api_pb2
from ai.stigmer.commons.apiresource.apiresourcekind import api_resource_kind_pb2 as kinds_pb2
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

API_VERSION = "agentic.stigmer.ai/v1"
MANIFEST_SUFFIXES = (".yaml", ".yml")
TOP_LEVEL_KEYS = ("apiVersion", "kind", "metadata", "spec")
METADATA_KEYS = ("name", "slug", "org", "labels", "annotations", "tags")

KINDS: dict[str, type[Message]] = {
    "Agent": agent_api_pb2.Agent,
    "Workflow": workflow_api_pb2.Workflow,
    "McpServer": mcp_server_api_pb2.McpServer,
}


class ManifestError(Exception):
    """A manifest that cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class Manifest:
    """One resource loaded from a manifest file."""

    kind: str
    name: str
    source: str  # "path" or "path (document N)"
    resource: Message

    @property
    def org(self) -> str:
        """The resource's organization (defaulted when the manifest omits it)."""
        return self.resource.metadata.org  # type: ignore[attr-defined]

    @property
    def slug(self) -> str:
        """The slug the resource is known by: metadata.slug, else derived from the name."""
        return self.resource.metadata.slug or slugify(self.name)  # type: ignore[attr-defined]


_SLUG_SEPARATORS = re.compile(r"[\s_]+")


def slugify(name: str) -> str:
    """The slug a server derives from a name: lowercased, whitespace/underscores -> `-`.

    Nothing else is changed, so a name with other characters gives an invalid slug.
    """
    return _SLUG_SEPARATORS.sub("-", name.strip().lower())


def manifest_files(path: str | Path, recursive: bool = False) -> list[Path]:
    """The manifest files at `path`: the file itself, or the YAML files in the directory."""
    root = Path(path)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ManifestError(f"{root}: no such file or directory")
    pattern = "**/*" if recursive else "*"
    files = sorted(
        p for p in root.glob(pattern) if p.is_file() and p.suffix.lower() in MANIFEST_SUFFIXES
    )
    if not files:
        raise ManifestError(f"{root}: no manifest files (*.yaml, *.yml) found")
    return files


def load_manifests(
    path: str | Path, default_org: str = "local", recursive: bool = False
) -> list[Manifest]:
    """Load every resource from a file or directory, in file order then document order."""
    manifests: list[Manifest] = []
    for file in manifest_files(path, recursive):
        manifests.extend(load_file(file, default_org))
    check_duplicates(manifests)
    return manifests


def load_file(path: str | Path, default_org: str = "local") -> list[Manifest]:
    """Load every resource from one YAML file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return load_text(text, str(path), default_org)


def load_text(text: str, source: str, default_org: str = "local") -> list[Manifest]:
    """Load every resource from YAML text; `source` names it in errors."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise ManifestError(f"{source}: invalid YAML: {_yaml_problem(exc)}") from exc
    present = [(i, doc) for i, doc in enumerate(documents, start=1) if doc is not None]
    multi = len(documents) > 1
    manifests = []
    for index, document in present:
        where = f"{source} (document {index})" if multi else source
        manifests.append(parse_document(document, where, default_org))
    if not manifests:
        raise ManifestError(f"{source}: no resources in file")
    return manifests


def parse_document(document: Any, source: str, default_org: str = "local") -> Manifest:
    """Convert one YAML document into a `Manifest`, validating its shape."""
    if not isinstance(document, Mapping):
        raise ManifestError(f"{source}: a manifest must be a mapping, got {_type_name(document)}")
    _check_keys(document, TOP_LEVEL_KEYS, "", source)
    api_version = document.get("apiVersion")
    if api_version != API_VERSION:
        raise ManifestError(
            f"{source}: apiVersion must be {API_VERSION!r}, got {api_version!r}"
        )
    kind = document.get("kind")
    if kind not in KINDS:
        raise ManifestError(
            f"{source}: unsupported kind {kind!r} (supported: {', '.join(KINDS)})"
        )
    metadata = document.get("metadata")
    if not isinstance(metadata, Mapping):
        raise ManifestError(f"{source}: metadata must be a mapping with at least a name")
    _check_keys(metadata, METADATA_KEYS, "metadata.", source)
    name = metadata.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ManifestError(f"{source}: metadata.name is required (a non-empty string)")
    spec = document.get("spec", {})
    if spec is None:
        spec = {}
    if not isinstance(spec, Mapping):
        raise ManifestError(f"{source}: spec must be a mapping, got {_type_name(spec)}")

    message_type = KINDS[kind]
    label = f"{source}: {kind} {name!r}"
    spec_descriptor = message_type.DESCRIPTOR.fields_by_name["spec"].message_type
    assert isinstance(spec_descriptor, Descriptor), f"{kind} has a message-typed spec"
    unknown = _unknown_field(spec, spec_descriptor, "spec")
    if unknown:
        raise ManifestError(f"{label}: {unknown}")

    body = {
        "apiVersion": API_VERSION,
        "kind": kind,
        "metadata": {**metadata, "org": metadata.get("org") or default_org},
        "spec": spec,
    }
    resource = message_type()
    try:
        json_format.ParseDict(_jsonable(body), resource)
    except json_format.ParseError as exc:
        raise ManifestError(f"{label}: {_parse_problem(exc)}") from exc
    _default_reference_kinds(resource)
    return Manifest(kind=kind, name=name, source=source, resource=resource)


def _check_keys(
    mapping: Mapping[Any, Any], allowed: Iterable[str], prefix: str, source: str
) -> None:
    allowed = tuple(allowed)
    for key in mapping:
        if key not in allowed:
            raise ManifestError(
                f"{source}: unknown field {prefix}{key}{_suggest(str(key), allowed)}"
                f" (allowed: {', '.join(allowed)})"
            )


def _unknown_field(value: Any, descriptor: Descriptor, path: str) -> str | None:
    """Walk `value` against a message descriptor; describe the first unknown field, if any."""
    if not isinstance(value, Mapping) or descriptor.full_name.startswith("google.protobuf."):
        return None  # type problems and well-known types are left to ParseDict
    by_name = {f.json_name: f for f in descriptor.fields}
    by_name.update({f.name: f for f in descriptor.fields})
    for key, item in value.items():
        field = by_name.get(str(key))
        if field is None:
            known = [f.json_name for f in descriptor.fields]
            hint = _suggest(str(key), known) or f" (known: {', '.join(known)})"
            return f"unknown field {path}.{key}{hint}"
        problem = _unknown_in_field(item, field, f"{path}.{key}")
        if problem:
            return problem
    return None


def _unknown_in_field(item: Any, field: FieldDescriptor, path: str) -> str | None:
    if field.message_type is None:
        return None
    if field.message_type.GetOptions().map_entry:
        value_field = field.message_type.fields_by_name["value"]
        if not isinstance(item, Mapping) or value_field.message_type is None:
            return None
        for key, entry in item.items():
            problem = _unknown_field(entry, value_field.message_type, f"{path}.{key}")
            if problem:
                return problem
        return None
    if field.is_repeated and isinstance(item, list):
        for index, entry in enumerate(item):
            problem = _unknown_field(entry, field.message_type, f"{path}[{index}]")
            if problem:
                return problem
        return None
    return _unknown_field(item, field.message_type, path)


def _default_reference_kinds(resource: Message) -> None:
    """Fill the kind of skill and MCP server references, as the SDK does."""
    spec = getattr(resource, "spec", None)
    if spec is None or spec.DESCRIPTOR.full_name != "ai.stigmer.agentic.agent.v1.AgentSpec":
        return
    refs = list(spec.skill_refs)
    for sub_agent in spec.sub_agents:
        refs.extend(sub_agent.skill_refs)
    for ref in refs:
        if not ref.kind:
            ref.kind = kinds_pb2.skill
    for usage in spec.mcp_server_usages:
        if usage.HasField("mcp_server_ref") and not usage.mcp_server_ref.kind:
            usage.mcp_server_ref.kind = kinds_pb2.mcp_server


def _jsonable(value: Any) -> Any:
    """YAML gives dates, sets and non-string keys; turn them into JSON-like values."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _suggest(key: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(candidates), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _parse_problem(exc: json_format.ParseError) -> str:
    """Turn ParseDict's nested "Failed to parse X field: ..." into `invalid value for a.b: ...`."""
    text = str(exc).split("\n")[0].strip()
    path = re.findall(r"Failed to parse (\w+) field: ", text)
    problem = re.sub(r"^(Failed to parse \w+ field: )+", "", text).rstrip(".")
    problem = re.sub(r" at [\w.\[\]]+$", "", problem)
    problem = problem.replace("ai.stigmer.agentic.", "").replace("ai.stigmer.commons.", "")
    if path:
        return f"invalid value for {'.'.join(path)}: {problem}"
    return problem


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
    if mark is not None:
        return f"{problem} at line {mark.line + 1}, column {mark.column + 1}"
    return str(problem)


def _type_name(value: Any) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def check_duplicates(manifests: list[Manifest]) -> None:
    seen: dict[tuple[str, str, str], Manifest] = {}
    for manifest in manifests:
        key = (manifest.kind, manifest.org, manifest.slug)
        if key in seen:
            raise ManifestError(
                f"{manifest.source}: duplicate {manifest.kind} {manifest.name!r}"
                f" (also in {seen[key].source})"
            )
        seen[key] = manifest
