"""The readiness marker file the compose healthcheck tests."""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


class ReadyFile:
    """Touched once the worker polls its task queue; removed at exit."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def mark(self) -> None:
        """Create (or refresh) the marker."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.touch()
        except OSError as exc:
            log.warning("cannot write ready file %s: %s", self.path, exc)

    def clear(self) -> None:
        """Remove the marker if present."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove ready file %s: %s", self.path, exc)

    def is_marked(self) -> bool:
        """Whether the marker exists."""
        return self.path.exists()
