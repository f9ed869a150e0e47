"""CLI settings read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SERVER_ADDR = "localhost:7234"
DEFAULT_API_KEY = "local"
DEFAULT_ORG = "local"
DEFAULT_CONNECT_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Settings:
    """Where and as whom the CLI talks to a Stigmer server."""

    server_addr: str = DEFAULT_SERVER_ADDR
    api_key: str = DEFAULT_API_KEY
    org: str = DEFAULT_ORG
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read `STIGMER_SERVER_ADDR`, `STIGMER_API_KEY`, `STIGMER_ORG` and
        `STIGMER_CONNECT_TIMEOUT` (seconds), falling back to local defaults."""
        env = os.environ if env is None else env
        timeout_raw = env.get("STIGMER_CONNECT_TIMEOUT", "").strip()
        try:
            timeout = float(timeout_raw) if timeout_raw else DEFAULT_CONNECT_TIMEOUT_S
        except ValueError:
            timeout = DEFAULT_CONNECT_TIMEOUT_S
        return cls(
            server_addr=normalize_addr(env.get("STIGMER_SERVER_ADDR", "")) or DEFAULT_SERVER_ADDR,
            api_key=env.get("STIGMER_API_KEY", "").strip() or DEFAULT_API_KEY,
            org=env.get("STIGMER_ORG", "").strip() or DEFAULT_ORG,
            connect_timeout_s=timeout if timeout > 0 else DEFAULT_CONNECT_TIMEOUT_S,
        )


def normalize_addr(addr: str) -> str:
    """Strip whitespace, a URL scheme and a trailing slash: `http://h:1/` -> `h:1`."""
    addr = addr.strip()
    for scheme in ("http://", "https://", "grpc://"):
        if addr.startswith(scheme):
            addr = addr[len(scheme):]
    return addr.rstrip("/")
