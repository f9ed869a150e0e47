"""Runner error types and their mapping to the user-facing failure text."""

from __future__ import annotations

FAILURE_PREFIX = "Error: Execution failed: "


class RunnerError(Exception):
    """An execution failure with a human-readable description (no secrets)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class LlmError(RunnerError):
    """The LLM endpoint could not answer (unreachable, unknown model, bad response)."""


class BackendError(RunnerError):
    """The Stigmer backend rejected or failed a call."""

    def __init__(self, description: str, code: str = "unknown") -> None:
        super().__init__(description)
        self.code = code


class ToolError(RunnerError):
    """An MCP server could not be started or listed."""


class ExecutionStopped(Exception):
    """The execution is already terminal or the server asked to stop: end quietly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def describe_error(exc: BaseException) -> str:
    """Describe any exception for the SYSTEM failure message."""
    if isinstance(exc, RunnerError):
        return exc.description
    text = str(exc).strip()
    kind = type(exc).__name__
    return f"{kind}: {text}" if text else kind


def failure_message(description: str) -> str:
    """The SYSTEM message content recorded on a FAILED execution."""
    return FAILURE_PREFIX + description
