"""Services the scenarios talk to in place of outside systems: fixture HTTP API, MCP server."""
