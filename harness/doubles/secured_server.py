"""A Stigmer server that requires an API key, for the scenarios about who may call it.

On the embedded target it is one more server of the target's own build, started here with a
fresh key: its data in a temp dir (never under the reports), its log with the services' logs,
stopped and removed at the end of the scenario. On the external target it is the target
itself, when the suite is configured with its key (``api_key``); without one the scenarios
are skipped, with that reason.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from harness.config import REPO_ROOT, SuiteConfig
from harness.processes import TempDir
from harness.secrets import is_secret
from harness.stack.services import StigmerServerProcess


class SecuredServer:
    """Where a key-checking Stigmer answers (``address``) and the key it wants (``key``)."""

    def __init__(self, config: SuiteConfig, log_dir: Path) -> None:
        self.config = config
        self.log_dir = log_dir
        self.address = ""
        self.key = ""
        self._server: StigmerServerProcess | None = None
        self._data: TempDir | None = None

    def skip_reason(self) -> str:
        """Why there is no such server for this target ('' when there is)."""
        if self.config.target == "external" and not is_secret(self.config.api_key):
            return ("the external Stigmer is used with Stigmer's local-mode key: set api_key "
                    "to the key it requires to check who may call it")
        return ""

    def start(self) -> SecuredServer:
        if self.config.target == "external":
            self.address, self.key = self.config.server_address, self.config.api_key
            return self
        self.key = f"e2e-key-{secrets.token_hex(12)}"
        self._data = TempDir(prefix="stigmer-e2e-secured-server-")
        name = f"secured-server-{secrets.token_hex(3)}"
        self._server = StigmerServerProcess(
            self.config.server_argv, data_dir=self._data.path,
            log_path=self.log_dir / f"{name}.log", api_key=self.key, cwd=REPO_ROOT,
            profile=self.config.target_profile)
        self._server.start()
        self.address = self._server.address
        return self

    def stop(self) -> None:
        """Stop the server this started and remove its data (nothing for the external one)."""
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._data is not None:
            self._data.cleanup()
            self._data = None
