"""MCP servers through the official SDK, for one organization.

An MCP server comes from a ``kind: McpServer`` manifest; ``{{ name }}`` placeholders (such as
the suite's own MCP server URL) are filled in at apply time.
"""

from __future__ import annotations

from collections.abc import Mapping

from stigmer import ResourceRef, StigmerClient

from harness.stigmer.inputs import McpServer, mcp_server_input_from_proto
from harness.stigmer.manifests import Manifest


class McpServers:
    """The MCP servers of one organization."""

    def __init__(self, client: StigmerClient, org: str) -> None:
        self.client = client
        self.org = org

    def apply(self, manifest: Manifest, values: Mapping[str, str] | None = None) -> McpServer:
        """Create or update the McpServer of a manifest (placeholders filled from ``values``)."""
        server = manifest.to_proto(org=self.org, values=values or {})
        assert isinstance(server, McpServer), f"{manifest.kind} is not an McpServer"
        return self.client.mcp_servers.apply(mcp_server_input_from_proto(server))

    def get(self, slug: str) -> McpServer:
        return self.client.mcp_servers.get_by_reference(ResourceRef(org=self.org, slug=slug))
