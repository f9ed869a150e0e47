"""EnsureThread: one thread per session, an ephemeral one without a session."""

from __future__ import annotations

import asyncio
import re

from reference.runner.threads import ensure_thread, thread_id_for


def test_a_session_has_one_thread() -> None:
    assert thread_id_for("ses-1", "agt-1") == "thread-ses-1"
    assert asyncio.run(ensure_thread("ses-1", "agt-2")) == "thread-ses-1"


def test_without_a_session_each_thread_is_new() -> None:
    first, second = thread_id_for("", "agt-1"), thread_id_for("", "agt-1")
    assert re.fullmatch(r"ephemeral-agt-1-[0-9a-f]{8}", first)
    assert first != second
