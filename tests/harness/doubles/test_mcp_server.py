"""The suite's MCP server service, manifest placeholders and skill folders."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from ai.stigmer.agentic.mcpserver.v1 import api_pb2 as mcp_api

from harness.doubles.mcp_server import McpFixtureServer
from harness.scenario.world import FIXTURES
from harness.stigmer.inputs import mcp_server_input_from_proto
from harness.stigmer.manifests import ManifestError, load_manifests
from harness.stigmer.skills import skill_artifact


def test_fixture_server_serves_deterministic_tools(tmp_path: Path) -> None:
    server = McpFixtureServer(log_path=tmp_path / "mcp.log").start()
    try:
        assert server.running() and server.port > 0
        assert server.url() == f"http://127.0.0.1:{server.port}/mcp"
        assert server.url_values("host.docker.internal") == {
            "calculator_mcp_url": f"http://host.docker.internal:{server.port}/mcp"}
        assert server.tool_names() == ["add", "get_time_in_city"]
        assert server.call_tool("add", {"a": 2.0, "b": 3}) == "The sum of 2 and 3 is 5."
        paris = server.call_tool("get_time_in_city", {"city": "Paris"})
        assert paris.startswith("The time in Paris is ")
        assert server.call_tool("get_time_in_city", {"city": "Paris"}) == paris
    finally:
        server.stop()
    assert not server.running()
    assert "add(a=2.0, b=3.0)" in (tmp_path / "mcp.log").read_text()


def test_url_needs_a_started_server(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not started"):
        McpFixtureServer(log_path=tmp_path / "mcp.log").url()


def test_mcp_manifest_placeholder_is_filled_at_apply_time() -> None:
    (manifest,) = load_manifests(FIXTURES / "mcp")
    server = manifest.to_proto(org="o", values={"calculator_mcp_url": "http://h:1/mcp"})
    assert isinstance(server, mcp_api.McpServer)
    assert (server.metadata.org, server.spec.http.url) == ("o", "http://h:1/mcp")
    sdk_input = mcp_server_input_from_proto(server)
    assert sdk_input.http is not None and sdk_input.stdio is None
    assert sdk_input.http.url == "http://h:1/mcp"
    assert sdk_input.default_enabled_tools == ["add", "get_time_in_city"]
    with pytest.raises(ManifestError, match="calculator_mcp_url"):
        manifest.to_proto(org="o", values={})


def test_skill_folder_is_zipped_with_skill_md_at_the_root(tmp_path: Path) -> None:
    artifact = skill_artifact(FIXTURES / "skills" / "password-desk")
    with zipfile.ZipFile(io.BytesIO(artifact)) as archive:
        assert archive.namelist() == ["SKILL.md"]
        assert b"name: password-desk" in archive.read("SKILL.md")
    with pytest.raises(FileNotFoundError, match=r"SKILL\.md"):
        skill_artifact(tmp_path)


def test_the_vault_serves_only_requests_with_its_token(tmp_path: Path) -> None:
    token = 'vt-<&>"/+=-token'
    server = McpFixtureServer(log_path=tmp_path / "vault.log", token=token).start()
    try:
        assert server.url_values("h") == {"vault_mcp_url": f"http://h:{server.port}/mcp"}
        assert server.tool_names() == ["add", "get_time_in_city", "open_vault"]
        answer = server.call_tool("open_vault", {})
        assert answer.startswith(f"Access granted to {token}. The vault code is ")
        assert answer == server.call_tool("open_vault", {})
        server.token = "not-the-token"
        with pytest.raises(BaseException, match="TaskGroup"):  # the MCP client's group
            server.call_tool("open_vault", {})
    finally:
        server.stop()
    log = (tmp_path / "vault.log").read_text()
    assert "refused a request without the right token" in log
    assert token not in log
