"""The ``EnsureThread`` Temporal activity: the conversation thread an execution runs in.

Stigmer's contract: the server's workflow calls ``EnsureThread(session_id, agent_id)`` on the
runner task queue before ``ExecuteGraphton(execution_id, thread_id)``. A session has one
thread (``thread-<session id>``); without a session the thread is ephemeral
(``ephemeral-<agent id>-<8 hex>``), as the PyPI agent-runner names them.
"""

from __future__ import annotations

import logging
import secrets

from temporalio import activity

from .config import THREAD_ACTIVITY_NAME

log = logging.getLogger(__name__)


def thread_id_for(session_id: str, agent_id: str) -> str:
    """The thread id of a session, or a new ephemeral one for a session-less run."""
    if session_id:
        return f"thread-{session_id}"
    return f"ephemeral-{agent_id}-{secrets.token_hex(4)}"


@activity.defn(name=THREAD_ACTIVITY_NAME)
async def ensure_thread(session_id: str, agent_id: str) -> str:
    """Return the thread id for ``session_id`` (and ``agent_id``)."""
    thread_id = thread_id_for(session_id, agent_id)
    log.info("session %s, agent %s: thread %s", session_id or "-", agent_id or "-", thread_id)
    return thread_id
