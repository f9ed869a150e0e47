"""Prefixed ULID resource ids (``agt-01J...``), as Stigmer issues them."""

from __future__ import annotations

import re

from ulid import ULID

AGENT = "agt"
AGENT_INSTANCE = "ain"
AGENT_EXECUTION = "aex"
SESSION = "ses"
WORKFLOW = "wfl"
WORKFLOW_INSTANCE = "win"
WORKFLOW_EXECUTION = "wex"
VERSION = "ver"
SKILL = "skl"
MCP_SERVER = "mcp"

_ID_RE = re.compile(r"^([a-z]{3})-([0-9A-HJKMNP-TV-Z]{26})$")


def new_id(prefix: str) -> str:
    """Return a fresh, time-ordered id such as ``agt-01J9Z...``."""
    return f"{prefix}-{ULID()}"


def prefix_of(resource_id: str) -> str | None:
    """Return the prefix of a well-formed id, or None when ``resource_id`` is not one."""
    match = _ID_RE.match(resource_id)
    return match.group(1) if match else None
