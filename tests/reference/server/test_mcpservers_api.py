"""MCP servers through the official SDK: apply, get, getByReference, list, delete."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ai.stigmer.agentic.mcpserver.v1 import io_pb2, status_pb2
from stigmer import ListParams, ResourceRef, StigmerClient, StigmerError
from stigmer._gen._mcpserver import (
    HttpServerConfigInput,
    McpServerInput,
    StdioServerConfigInput,
)
from stigmer._gen._types import DeleteResourceInput


def _http(name: str, url: str = "http://127.0.0.1:9/mcp", org: str = "local") -> McpServerInput:
    return McpServerInput(name=name, org=org, description="calculator",
                          http=HttpServerConfigInput(url=url, timeout_seconds=5),
                          default_enabled_tools=["add"])


def test_apply_creates_then_updates(client: StigmerClient, unique: Callable[[str], str]) -> None:
    name = unique("calc")
    created = client.mcp_servers.apply(_http(name))
    assert created.metadata.id.startswith("mcp-") and created.kind == "McpServer"
    assert created.status.validation_state == status_pb2.valid
    assert created.spec.http.url == "http://127.0.0.1:9/mcp"
    updated = client.mcp_servers.apply(_http(name, url="http://127.0.0.1:10/mcp"))
    assert updated.metadata.id == created.metadata.id
    assert updated.metadata.version.previous_version_id == created.metadata.version.id
    got = client.mcp_servers.get_by_reference(ResourceRef(org="local", slug=name))
    assert got.spec.http.url == "http://127.0.0.1:10/mcp"
    assert client.mcp_servers.get(created.metadata.id).metadata.slug == name


def test_stdio_server(client: StigmerClient, unique: Callable[[str], str]) -> None:
    server = client.mcp_servers.apply(McpServerInput(
        name=unique("stdio"), org="local",
        stdio=StdioServerConfigInput(command="python", args=["-m", "x"])))
    assert list(server.spec.stdio.args) == ["-m", "x"]


@pytest.mark.parametrize(("server", "message"), [
    (McpServerInput(name="no-transport", org="local"), r"spec.server_type: .*\[required\]"),
    (McpServerInput(name="bad-url", org="local", http=HttpServerConfigInput(url="ftp://x")),
     "http\\(s\\) URL"),
    (McpServerInput(name="empty-cmd", org="local", stdio=StdioServerConfigInput(command=" ")),
     "stdio.command"),
    (McpServerInput(name="Bad Name!", org="local", http=HttpServerConfigInput(url="http://h")),
     "slug"),
])
def test_invalid_servers_are_rejected(
    client: StigmerClient, server: McpServerInput, message: str
) -> None:
    with pytest.raises(StigmerError, match=message) as caught:
        client.mcp_servers.apply(server)
    assert caught.value.code.value == "invalid-argument"


def test_create_twice_and_update_missing(
    client: StigmerClient, unique: Callable[[str], str]
) -> None:
    name = unique("twice")
    client.mcp_servers.create(_http(name))
    with pytest.raises(StigmerError, match="already exists"):
        client.mcp_servers.create(_http(name))
    with pytest.raises(StigmerError, match="not found"):
        client.mcp_servers.update(_http(unique("missing")))


def test_list_and_delete(client: StigmerClient, unique: Callable[[str], str]) -> None:
    org = unique("mcp-org")
    server = client.mcp_servers.apply(_http(unique("listed"), org=org))
    entries = client.mcp_servers.list(ListParams(org=org)).entries
    assert [(e.id, e.description) for e in entries] == [(server.metadata.id, "calculator")]
    client.mcp_servers.delete(DeleteResourceInput(resource_id=server.metadata.id))
    with pytest.raises(StigmerError, match="MCP server not found"):
        client.mcp_servers.get(server.metadata.id)
    with pytest.raises(StigmerError, match="not implemented"):
        client.mcp_servers.start_connect(io_pb2.ConnectInput(
            mcp_server_id=server.metadata.id, org=org))
