"""Fixtures are YAML manifests of Stigmer resources (Kubernetes-like: apiVersion, kind,
metadata, spec). This module loads and validates them against the official protobufs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from ai.stigmer.agentic.agent.v1 import api_pb2 as agent_api_pb2
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_server_api_pb2
from ai.stigmer.agentic.workflow.v1 import api_pb2 as workflow_api_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

API_VERSION = "agentic.stigmer.ai/v1"
MESSAGE_BY_KIND: dict[str, type[Message]] = {
    "Agent": agent_api_pb2.Agent, "Workflow": workflow_api_pb2.Workflow,
    "McpServer": mcp_server_api_pb2.McpServer,
}
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def fill_placeholders(value: Any, values: Mapping[str, str], source: Path) -> Any:
    """``value`` with every ``{{ name }}`` in its strings replaced from ``values`` (a name
    the harness does not provide is an error naming the file)."""
    if isinstance(value, str):
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in values:
                raise ManifestError(f"{source}: no value for the placeholder {{{{ {name} }}}}")
            return values[name]
        return PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict):
        return {key: fill_placeholders(item, values, source) for key, item in value.items()}
    if isinstance(value, list):
        return [fill_placeholders(item, values, source) for item in value]
    return value


class ManifestError(ValueError):
    """A manifest cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class Manifest:
    """One resource document of a manifest file."""

    kind: str
    name: str
    source: Path
    document: dict[str, Any]

    def to_proto(self, org: str | None = None,
                 values: Mapping[str, str] | None = None) -> Message:
        """The resource as its official protobuf message (``org`` overrides metadata.org;
        ``values`` fill ``{{ name }}`` placeholders)."""
        message_type = MESSAGE_BY_KIND.get(self.kind)
        if message_type is None:
            known = ", ".join(sorted(MESSAGE_BY_KIND))
            raise ManifestError(f"{self.source}: kind {self.kind!r} is not supported ({known})")
        document = dict(self.document)
        if values is not None:
            document = fill_placeholders(document, values, self.source)
        if org:
            document["metadata"] = {**document.get("metadata", {}), "org": org}
        try:
            return json_format.ParseDict(document, message_type())
        except json_format.ParseError as error:
            raise ManifestError(f"{self.source}: {error}") from None


def _documents(path: Path) -> list[dict[str, Any]]:
    try:
        loaded = list(yaml.safe_load_all(path.read_text()))
    except yaml.YAMLError as error:
        raise ManifestError(f"{path}: not valid YAML: {error}") from None
    documents = [doc for doc in loaded if doc is not None]
    for doc in documents:
        if not isinstance(doc, dict):
            raise ManifestError(f"{path}: each document must be a mapping, got {type(doc)}")
    return documents


def load_manifest_file(path: Path) -> list[Manifest]:
    """All resource documents of one YAML file, validated for the required keys."""
    manifests = []
    for doc in _documents(path):
        missing = [key for key in ("apiVersion", "kind", "metadata") if key not in doc]
        if missing:
            raise ManifestError(f"{path}: missing required key(s): {', '.join(missing)}")
        metadata = doc.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ManifestError(f"{path}: metadata must be a mapping, got {metadata!r}")
        name = metadata.get("name")
        if not name:
            raise ManifestError(f"{path}: metadata.name is required")
        if not isinstance(doc["kind"], str):
            raise ManifestError(f"{path}: kind must be a string, got {doc['kind']!r}")
        manifests.append(Manifest(kind=doc["kind"], name=name, source=path, document=doc))
    return manifests


def load_manifests(path: Path) -> list[Manifest]:
    """Manifests of a file, or of every ``*.yaml``/``*.yml`` file of a directory (sorted)."""
    if path.is_dir():
        files = sorted([*path.glob("*.yaml"), *path.glob("*.yml")])
        if not files:
            raise ManifestError(f"{path}: no *.yaml manifest in this directory")
        return [manifest for file in files for manifest in load_manifest_file(file)]
    if not path.exists():
        raise ManifestError(f"{path}: no such manifest file or directory")
    return load_manifest_file(path)
