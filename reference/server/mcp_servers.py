"""MCP servers: apply (create-or-update by org/slug), create, update, delete and queries.

An McpServer says how to reach one MCP server: ``spec.stdio`` (a command the agent-runner
starts) or ``spec.http`` (a streamable-HTTP URL). Saving checks that exactly one is usable and
marks ``status.validation_state`` valid; tools are discovered by the runner, not here.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from ai.stigmer.agentic.mcpserver.v1 import api_pb2, status_pb2

from . import errors
from .kinds import MCP_SERVER
from .resources import SlugResourceService

McpServer = api_pb2.McpServer


class McpServerService(SlugResourceService[McpServer]):
    """McpServer commands and queries over the store."""

    kind = MCP_SERVER
    delete_id_field = "resource_id"

    def _check(self, resource: Any) -> None:
        _validate_transport(resource)

    def _status(self, current: Any | None) -> Any:
        status = super()._status(current)
        status.validation_state = status_pb2.valid
        status.validation_message = ""
        return status


def _validate_transport(server: McpServer) -> None:
    spec = server.spec
    kind = spec.WhichOneof("server_type")
    if kind is None:
        raise errors.invalid(
            "spec needs a server type: stdio (command) or http (url) of the MCP server"
        )
    if kind == "stdio" and not spec.stdio.command.strip():
        raise errors.invalid("spec.stdio.command is required for a stdio MCP server")
    if kind == "http":
        url = urlparse(spec.http.url.strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            raise errors.invalid(
                f"spec.http.url must be an http(s) URL of the MCP endpoint, got "
                f"{spec.http.url!r}"
            )
        if spec.http.timeout_seconds < 0:
            raise errors.invalid("spec.http.timeout_seconds must not be negative")
