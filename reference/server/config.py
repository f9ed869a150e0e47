"""Configuration of the server: environment variables as Stigmer's server reads them, or flags.

Stigmer's servers are configured by environment (``GRPC_PORT``, ``DB_PATH``,
``TEMPORAL_HOST_PORT``, ``TEMPORAL_NAMESPACE``, ``LOG_LEVEL``, ...); this server reads the same
variables, and a flag, when given, wins over its variable.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

DB_FILE = "stigmer.db"
DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024
DEFAULT_PORT = 7234

API_KEY_ENV = "STIGMER_SERVER_API_KEY"
#: ``off`` (or false/0/no) leaves out the grpc.health.v1 service, as Stigmer's servers do.
HEALTH_ENV = "STIGMER_SERVER_HEALTH_SERVICE"
#: Stigmer's server variables -> the flag each one stands for.
ENV_FLAGS = {
    "GRPC_PORT": "--port",
    "DB_PATH": "--db-path",
    "STORAGE_PATH": "--data-dir",
    "TEMPORAL_HOST_PORT": "--temporal-address",
    "TEMPORAL_NAMESPACE": "--temporal-namespace",
    "LOG_LEVEL": "--log-level",
}


@dataclass(frozen=True)
class Config:
    """Everything ``python -m reference.server`` can be told."""

    data_dir: Path
    hosts: list[str] = field(default_factory=lambda: ["127.0.0.1"])
    port: int = DEFAULT_PORT
    api_key: str | None = None
    temporal_address: str | None = None
    temporal_namespace: str = "default"
    runner_schedule_timeout_s: float = 60.0
    runner_heartbeat_timeout_s: float = 30.0
    runner_run_timeout_s: float = 600.0
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    log_level: str = "INFO"
    db_file: Path | None = None
    health_service: bool = True

    @property
    def db_path(self) -> Path:
        """The SQLite file: ``DB_PATH`` / ``--db-path``, else ``stigmer.db`` in the data dir."""
        return self.db_file or self.data_dir / DB_FILE


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0 (got {text})")
    return value


def parser() -> argparse.ArgumentParser:
    """The argument parser (flags as in docs/design.md)."""
    p = argparse.ArgumentParser(
        prog="python -m reference.server",
        description="Reference Stigmer gRPC server (SQLite + Temporal). Every setting can also "
                    "come from Stigmer's environment variables: "
                    + ", ".join(f"{env} ({flag})" for env, flag in ENV_FLAGS.items())
                    + f", {API_KEY_ENV}, {HEALTH_ENV}=off.",
    )
    p.add_argument("--host", action="append", dest="hosts", metavar="HOST",
                   help="address to bind; repeatable, all on the same port (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=None,
                   help=f"gRPC port; 0 picks a free one ($GRPC_PORT, default {DEFAULT_PORT})")
    p.add_argument("--data-dir", type=Path, default=None,
                   help="directory for stigmer.db ($STORAGE_PATH); needed unless --db-path")
    p.add_argument("--db-path", type=Path, default=None,
                   help="the SQLite file itself ($DB_PATH)")
    p.add_argument("--api-key", default=None,
                   help="require 'authorization: Bearer <key>' on every RPC; prefer "
                        f"${API_KEY_ENV}, since command lines are visible to every user")
    p.add_argument("--temporal-address", default=None, metavar="HOST:PORT",
                   help="Temporal frontend ($TEMPORAL_HOST_PORT); without it executions "
                        "cannot be created")
    p.add_argument("--temporal-namespace", default=None,
                   help="($TEMPORAL_NAMESPACE, default 'default')")
    p.add_argument("--runner-schedule-timeout", type=_positive, default=60.0, metavar="SECONDS",
                   help="how long an execution waits for an agent-runner (default 60)")
    p.add_argument("--runner-heartbeat-timeout", type=_positive, default=30.0, metavar="SECONDS",
                   help="how long a silent agent-runner is trusted before Temporal retries the "
                        "execution elsewhere (default 30)")
    p.add_argument("--runner-run-timeout", type=_positive, default=600.0, metavar="SECONDS",
                   help="how long one agent-runner attempt at an execution may take "
                        "(default 600)")
    p.add_argument("--max-message-bytes", type=int, default=DEFAULT_MAX_MESSAGE_BYTES,
                   help="largest accepted request message (default 4 MiB)")
    p.add_argument("--log-level", default=None, help="($LOG_LEVEL, default INFO)")
    p.add_argument("--no-health-service", action="store_true",
                   help=f"do not serve grpc.health.v1 (${HEALTH_ENV}=off), like Stigmer's servers")
    return p


def _env_bool(raw: str | None, default: bool) -> bool:
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() not in ("0", "false", "no", "off")


def parse(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Parse flags, falling back to Stigmer's environment variables, into a :class:`Config`."""
    env = os.environ if environ is None else environ
    p = parser()
    args = p.parse_args(argv)

    def pick(flag_value: object, name: str) -> str | None:
        if flag_value is not None:
            return str(flag_value)
        value = env.get(name, "").strip()
        return value or None

    port_text = pick(args.port, "GRPC_PORT")
    try:
        port = int(port_text) if port_text is not None else DEFAULT_PORT
    except ValueError:
        p.error(f"GRPC_PORT must be a number (got {port_text!r})")
    if not 0 <= port <= 65535:
        p.error(f"--port must be 0-65535 (got {port})")
    data_dir = pick(args.data_dir, "STORAGE_PATH")
    db_file = pick(args.db_path, "DB_PATH")
    if data_dir is None and db_file is None:
        p.error("the data location is required: --data-dir / $STORAGE_PATH or "
                "--db-path / $DB_PATH")
    db = Path(db_file) if db_file else None
    return Config(
        data_dir=Path(data_dir) if data_dir else db.parent,  # type: ignore[union-attr]
        hosts=args.hosts or ["127.0.0.1"],
        port=port,
        api_key=args.api_key or env.get(API_KEY_ENV) or None,
        temporal_address=pick(args.temporal_address, "TEMPORAL_HOST_PORT"),
        temporal_namespace=pick(args.temporal_namespace, "TEMPORAL_NAMESPACE") or "default",
        runner_schedule_timeout_s=args.runner_schedule_timeout,
        runner_heartbeat_timeout_s=args.runner_heartbeat_timeout,
        runner_run_timeout_s=args.runner_run_timeout,
        max_message_bytes=args.max_message_bytes,
        log_level=(pick(args.log_level, "LOG_LEVEL") or "INFO").upper(),
        db_file=db,
        health_service=not args.no_health_service and _env_bool(env.get(HEALTH_ENV), True),
    )
