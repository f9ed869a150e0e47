"""Skills and MCP servers through the official SDK (mixed into ``StigmerApi``).

* A skill is a folder holding ``SKILL.md`` (YAML frontmatter with ``name``); it is zipped and
  pushed the way ``stigmer apply`` pushes a skill folder (``skills.push``).
* An MCP server comes from a ``kind: McpServer`` manifest; ``{{ name }}`` placeholders (such as
  the suite's own MCP server URL) are filled in at apply time.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from pathlib import Path

from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api_pb2
from ai.stigmer.agentic.skill.v1 import api_pb2 as skill_api_pb2
from ai.stigmer.agentic.skill.v1 import io_pb2 as skill_io_pb2
from stigmer import ResourceRef, StigmerClient
from stigmer._gen._agent import EnvVarDeclarationInput
from stigmer._gen._mcpserver import (
    HttpServerConfigInput,
    McpServerInput,
    StdioServerConfigInput,
)

from harness.stigmer.manifests import Manifest

Skill = skill_api_pb2.Skill
McpServer = mcp_api_pb2.McpServer
SKILL_FILE = "SKILL.md"
_SKIPPED = {"__pycache__", ".git", ".venv", "node_modules"}


def skill_artifact(folder: Path) -> bytes:
    """The ZIP of a skill folder (files at the ZIP root, caches and VCS folders left out)."""
    if not (folder / SKILL_FILE).is_file():
        raise FileNotFoundError(f"{folder}: a skill folder needs a {SKILL_FILE}")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not _SKIPPED.intersection(relative.parts):
                archive.write(path, relative.as_posix())
    return buffer.getvalue()


def mcp_server_input_from_proto(server: McpServer) -> McpServerInput:
    """The SDK's typed input for an ``McpServer`` protobuf (built from a manifest)."""
    spec, metadata = server.spec, server.metadata
    kind = spec.WhichOneof("server_type")
    return McpServerInput(
        name=metadata.name, org=metadata.org, slug=metadata.slug or None,
        labels=dict(metadata.labels) or None, description=spec.description,
        icon_url=spec.icon_url, tags=list(spec.tags),
        stdio=StdioServerConfigInput(command=spec.stdio.command, args=list(spec.stdio.args),
                                     working_dir=spec.stdio.working_dir)
        if kind == "stdio" else None,
        http=HttpServerConfigInput(url=spec.http.url, headers=dict(spec.http.headers),
                                   query_params=dict(spec.http.query_params),
                                   timeout_seconds=spec.http.timeout_seconds)
        if kind == "http" else None,
        default_enabled_tools=list(spec.default_enabled_tools),
        env={key: EnvVarDeclarationInput(is_secret=decl.is_secret,
                                         description=decl.description, optional=decl.optional)
             for key, decl in spec.env.items()},
    )


class CapabilityApiMixin:
    """Skill and MCP server operations; needs ``self.client`` and ``self.org``."""

    client: StigmerClient
    org: str

    # -- skills -----------------------------------------------------------------------------
    def push_skill(self, folder: Path, tag: str = "") -> Skill:
        """Zip a skill folder and push it to this organization."""
        return self.client.skills.push(skill_io_pb2.PushSkillRequest(
            org=self.org, artifact=skill_artifact(folder), tag=tag))

    def get_skill(self, slug: str) -> Skill:
        return self.client.skills.get_by_reference(ResourceRef(org=self.org, slug=slug))

    # -- MCP servers ------------------------------------------------------------------------
    def apply_mcp_server(self, manifest: Manifest,
                         values: Mapping[str, str] | None = None) -> McpServer:
        """Create or update the McpServer of a manifest (placeholders filled from ``values``)."""
        server = manifest.to_proto(org=self.org, values=values or {})
        assert isinstance(server, McpServer), f"{manifest.kind} is not an McpServer"
        return self.client.mcp_servers.apply(mcp_server_input_from_proto(server))

    def get_mcp_server(self, slug: str) -> McpServer:
        return self.client.mcp_servers.get_by_reference(ResourceRef(org=self.org, slug=slug))
