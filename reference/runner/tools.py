"""The tool boundary: what the agent loop needs from a set of tools (MCP or none)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolOutcome:
    """The text result of one tool call."""

    text: str
    is_error: bool = False


class Toolset(Protocol):
    """Tools offered to the model and a way to call them."""

    @property
    def specs(self) -> list[dict[str, Any]]:
        """Ollama ``tools`` definitions (``{"type": "function", "function": {...}}``)."""
        ...

    def server_of(self, name: str) -> str:
        """Slug of the server providing tool ``name`` ("" if unknown)."""
        ...

    async def call(self, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        """Run tool ``name``; unknown tools and tool errors come back as error outcomes."""
        ...


class NoTools:
    """The empty toolset."""

    @property
    def specs(self) -> list[dict[str, Any]]:
        return []

    def server_of(self, name: str) -> str:
        return ""

    async def call(self, name: str, arguments: Mapping[str, Any]) -> ToolOutcome:
        return ToolOutcome(f"unknown tool: {name}", is_error=True)
