"""Command-line configuration of the server."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

DB_FILE = "stigmer.db"
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Config:
    """Everything ``python -m reference.server`` can be told."""

    data_dir: Path
    hosts: list[str] = field(default_factory=lambda: ["127.0.0.1"])
    port: int = 7234
    api_key: str | None = None
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    runner_schedule_timeout_s: float = 60.0
    runner_heartbeat_timeout_s: float = 30.0
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    log_level: str = "INFO"

    @property
    def db_path(self) -> Path:
        """The SQLite file inside the data dir."""
        return self.data_dir / DB_FILE


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 (got {text})")
    return value


API_KEY_ENV = "STIGMER_SERVER_API_KEY"


def parser() -> argparse.ArgumentParser:
    """The argument parser (flags as in docs/design.md)."""
    p = argparse.ArgumentParser(
        prog="python -m reference.server",
        description="Reference Stigmer gRPC server (SQLite + Temporal).",
    )
    p.add_argument("--host", action="append", dest="hosts", metavar="HOST",
                   help="address to bind; repeatable, all on the same port (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=7234, help="gRPC port; 0 picks a free one")
    p.add_argument("--data-dir", type=Path, required=True, help="directory for stigmer.db")
    p.add_argument("--api-key", default=None,
                   help="require 'authorization: Bearer <key>' on every RPC; prefer "
                        f"${API_KEY_ENV}, since command lines are visible to every user")
    p.add_argument("--temporal-address", default=None, metavar="HOST:PORT",
                   help="Temporal frontend; without it executions cannot be created")
    p.add_argument("--temporal-namespace", default="default")
    p.add_argument("--runner-schedule-timeout", type=_positive, default=60.0, metavar="SECONDS",
                   help="how long an execution waits for an agent-runner (default 60)")
    p.add_argument("--runner-heartbeat-timeout", type=_positive, default=30.0, metavar="SECONDS",
                   help="how long a silent agent-runner is trusted before Temporal retries the "
                        "execution elsewhere (default 30)")
    p.add_argument("--max-message-bytes", type=int, default=DEFAULT_MAX_MESSAGE_BYTES,
                   help="largest accepted request message (default 4 MiB)")
    p.add_argument("--log-level", default="INFO")
    return p


def parse(argv: Sequence[str] | None = None) -> Config:
    """Parse command-line arguments into a :class:`Config`."""
    args = parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser().error(f"--port must be 0-65535 (got {args.port})")
    return Config(
        data_dir=args.data_dir,
        hosts=args.hosts or ["127.0.0.1"],
        port=args.port,
        api_key=args.api_key or os.environ.get(API_KEY_ENV) or None,
        temporal_address=args.temporal_address or None,
        temporal_namespace=args.temporal_namespace,
        runner_schedule_timeout_s=args.runner_schedule_timeout,
        runner_heartbeat_timeout_s=args.runner_heartbeat_timeout,
        max_message_bytes=args.max_message_bytes,
        log_level=args.log_level.upper(),
    )
