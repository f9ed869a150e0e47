"""The one error type handlers raise; it becomes ``{"error": message}`` with a status."""

from __future__ import annotations


class ApiError(Exception):
    """An Ollama API error: HTTP ``status`` and the ``error`` message clients show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
