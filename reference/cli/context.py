"""What every command gets: settings, a lazily connected SDK client and the output streams."""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from stigmer import StigmerClient

from reference.cli.config import Settings
from reference.cli.connection import connect


@dataclass
class Context:
    """Per-invocation state shared by the commands."""

    settings: Settings
    connector: Callable[[Settings], Any] = connect
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    _client: StigmerClient | None = None

    @property
    def client(self) -> StigmerClient:
        """The SDK client; the first use checks that the server is reachable (exit 3 if not)."""
        if self._client is None:
            self._client = self.connector(self.settings)
        return self._client

    def print(self, text: str = "") -> None:
        """Print a line on stdout."""
        print(text, file=self.out, flush=True)

    def error(self, text: str) -> None:
        """Print a line on stderr."""
        print(text, file=self.err, flush=True)

    def close(self) -> None:
        """Release the client's channel (also cancels any open stream)."""
        if self._client is not None:
            self._client.close()
            self._client = None
