"""A tiny stdio MCP server used by the runner tests (tools: echo, read_env)."""

import os

from mcp.server import MCPServer

server = MCPServer("echo")


@server.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return f"echo: {text}"


@server.tool()
def read_env(name: str) -> str:
    """Return the value of an environment variable of this server."""
    return os.environ.get(name, "<unset>")


if __name__ == "__main__":
    server.run("stdio")
