"""The external provider: an already running Stigmer (``target=external``); nothing is
started, stopped or broken here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.config import SuiteConfig
from harness.stack.stack import FaultControl, StackInfo


class ExternalStack:
    """A Stigmer at ``server_address`` (its Temporal at ``temporal_address``, if given)."""

    def __init__(self, config: SuiteConfig) -> None:
        self.info = StackInfo(server_address=config.server_address, provider="external",
                              temporal_address=config.temporal_address,
                              notes=[f"using the Stigmer at {config.server_address}"])

    def start(self) -> None:
        return None

    def ensure_execution_services(self) -> None:
        return None

    def log_files(self) -> list[Path]:
        return []

    def local_pids(self) -> dict[str, int]:
        return {}

    def containers(self) -> list[Any]:
        return []

    def faults(self) -> FaultControl | None:
        return None

    def stop(self) -> None:
        return None
