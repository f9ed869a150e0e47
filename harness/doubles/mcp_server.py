"""The suite's own MCP server (``features/fixtures/mcp/calculator_server.py``) as a service.

A real MCP server over streamable HTTP with deterministic tools (``add``,
``get_time_in_city``), started as a local process on the addresses the agent-runner can reach
(loopback, plus the Docker bridge gateway with the compose provider). Manifests name it with
the placeholder ``{{ calculator_mcp_url }}``, which :func:`url_values` fills in at apply time.

Given a ``token``, it is a vault: it serves only requests carrying that bearer token (the
process is told the token's SHA-256, never the token) and offers the ``open_vault`` tool.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from harness.config import REPO_ROOT
from harness.processes import ManagedProcess

SERVER_SCRIPT = REPO_ROOT / "features" / "fixtures" / "mcp" / "calculator_server.py"
READY_LINE = r"listening on (\S+):(\d+)"
URL_PLACEHOLDER = "calculator_mcp_url"
VAULT_URL_PLACEHOLDER = "vault_mcp_url"


class McpFixtureServer:
    """The calculator MCP server on ``hosts`` (one free port), logging to ``log_path``; a vault
    opened only with ``token`` when one is given."""

    def __init__(
        self,
        *,
        log_path: Path,
        hosts: Sequence[str] = ("127.0.0.1",),
        path: str = "/mcp",
        python: str = sys.executable,
        script: Path = SERVER_SCRIPT,
        ready_timeout: float = 30.0,
        token: str = "",
        placeholder: str = "",
    ) -> None:
        self.hosts = list(hosts)
        self.path = path
        self.port = 0
        self.token = token
        self.placeholder = placeholder or (VAULT_URL_PLACEHOLDER if token else URL_PLACEHOLDER)
        argv = [python, str(script), "--port", "0", "--path", path]
        if token:
            argv += ["--token-sha256", hashlib.sha256(token.encode()).hexdigest()]
        for host in self.hosts:
            argv += ["--host", host]
        self.process = ManagedProcess(
            "mcp-calculator", argv, log_path=log_path, cwd=REPO_ROOT,
            ready_pattern=READY_LINE, ready_timeout=ready_timeout, grace=3.0,
        )

    def start(self) -> McpFixtureServer:
        """Start the server and wait for its ready line."""
        self.process.start()
        assert self.process.ready_match is not None
        self.port = int(self.process.ready_match.group(2))
        return self

    def stop(self) -> None:
        """Stop the process (by its process group); idempotent."""
        self.process.stop()

    def running(self) -> bool:
        return self.process.running()

    def url(self, host: str = "127.0.0.1") -> str:
        """The MCP endpoint as seen from ``host`` (e.g. ``host.docker.internal``)."""
        if not self.port:
            raise RuntimeError("the MCP fixture server is not started")
        return f"http://{host}:{self.port}{self.path}"

    def url_values(self, runner_host: str) -> dict[str, str]:
        """Placeholder values for manifests: the URL the agent-runner must use."""
        return {self.placeholder: self.url(runner_host)}

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def tool_names(self) -> list[str]:
        """The tools the server offers, asked over MCP."""
        return asyncio.run(_list_tools(self.url(), self._headers()))

    def call_tool(self, name: str, arguments: Mapping[str, Any]) -> str:
        """Call one tool over MCP and return its text result (what an agent would get)."""
        return asyncio.run(_call_tool(self.url(), name, dict(arguments), self._headers()))


@asynccontextmanager
async def _session(url: str, headers: dict[str, str]) -> AsyncIterator[Any]:
    from mcp.client.session import ClientSession
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async with create_mcp_http_client(headers=headers or None) as client, \
            streamable_http_client(url, http_client=client) as (read, write), \
            ClientSession(read, write) as session:
        await session.initialize()
        yield session


async def _list_tools(url: str, headers: dict[str, str]) -> list[str]:
    async with _session(url, headers) as session:
        return [tool.name for tool in (await session.list_tools()).tools]


async def _call_tool(url: str, name: str, arguments: dict[str, Any],
                     headers: dict[str, str]) -> str:
    async with _session(url, headers) as session:
        result = await session.call_tool(name, arguments)
    texts = [getattr(item, "text", "") for item in result.content]
    return "\n".join(text for text in texts if isinstance(text, str))
