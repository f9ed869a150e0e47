"""The external provider: an already running Stigmer (``target=external``); nothing is
started, stopped or broken here."""

from __future__ import annotations

from pathlib import Path

from harness.config import SuiteConfig
from harness.stack.stack import RemoteStack, StackInfo


class ExternalStack(RemoteStack):
    """A Stigmer at ``server_address`` (its Temporal at ``temporal_address``, if given)."""

    def __init__(self, config: SuiteConfig) -> None:
        self.info = StackInfo(server_address=config.server_address, provider="external",
                              temporal_address=config.temporal_address,
                              notes=[f"using the Stigmer at {config.server_address}"])

    def ensure_execution_services(self) -> None:
        return None

    def log_files(self) -> list[Path]:
        return []
