"""The reference Stigmer stack (server, runner, CLI, LLM endpoint)."""
