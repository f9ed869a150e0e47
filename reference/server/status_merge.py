"""How an ``updateStatus`` call merges into the stored execution status (pure logic).

Rules (Stigmer's progressive-update semantics):

* ``messages`` is the runner's transcript snapshot, indexed from 0: incoming message *i*
  replaces stored message *i*; messages past the stored length are appended; stored messages
  past the incoming length are kept (a transcript never shrinks). Re-sending the growing AI
  message at the same index therefore updates it in place and never duplicates it. An empty
  ``timestamp`` inherits the stored one (or "now" for a new message).
* ``phase`` only moves forward (PENDING < IN_PROGRESS/WAITING_FOR_APPROVAL/PAUSED < terminal);
  an unspecified or lower phase is ignored. PAUSED is the user's: only resume (or a terminal
  phase) leaves it. ``started_at``/``completed_at`` are filled in when
  the execution starts / ends and the runner did not send them.
* ``approval_event_stream`` only grows: events with a new ``event_id`` are appended.
* every other field that is set (non-empty) in the update replaces the stored field;
  ``audit`` is server-owned and ignored.
* terminal phases are final: any update to a terminal execution that names another phase or
  would change anything raises :class:`TerminalPhaseError`; an identical re-send is a no-op.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ai.stigmer.agentic.agentexecution.v1 import api_pb2, enum_pb2, message_pb2

from . import phases
from .execution_lifecycle import TerminalPhaseError, finished, replace_set_fields, require_live

__all__ = ["Status", "TerminalPhaseError", "finish", "merge", "now_iso"]

Status = api_pb2.AgentExecutionStatus
_SKIPPED = {"messages", "phase", "audit", "approval_event_stream"}


def now_iso() -> str:
    """Current UTC time in the ISO-8601 form used by status timestamps."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def merge(current: Status, update: Status, now: str) -> Status:
    """Return ``current`` with ``update`` merged in (see module docstring)."""
    if update.phase not in (phases.UNSPECIFIED, current.phase):
        require_live(phases.RULES, current.phase)
    merged = Status()
    merged.CopyFrom(current)
    _merge_messages(merged, update, now)
    _merge_phase(merged, update.phase, now)
    _merge_approval_events(merged, update)
    replace_set_fields(merged, update, _SKIPPED)
    if merged != current:
        require_live(phases.RULES, current.phase)
    return merged if merged != current else current


def finish(current: Status, phase: int, message: str, now: str, error: str = "") -> Status:
    """Move a live execution to terminal ``phase``, appending a SYSTEM ``message``.

    Raises :class:`TerminalPhaseError` if ``current`` is already terminal.
    """
    done = finished(phases.RULES, current, phase, error, now)
    done.messages.append(
        message_pb2.AgentMessage(type=enum_pb2.MESSAGE_SYSTEM, content=message, timestamp=now)
    )
    return done


def _merge_messages(merged: Status, update: Status, now: str) -> None:
    for index, incoming in enumerate(update.messages):
        message = message_pb2.AgentMessage()
        message.CopyFrom(incoming)
        if index < len(merged.messages):
            if not message.timestamp:
                message.timestamp = merged.messages[index].timestamp or now
            merged.messages[index].CopyFrom(message)
        else:
            message.timestamp = message.timestamp or now
            merged.messages.append(message)


def _merge_approval_events(merged: Status, update: Status) -> None:
    stream = merged.approval_event_stream
    known = {event.event_id for event in stream.events}
    for event in update.approval_event_stream.events:
        if event.event_id not in known:
            stream.events.append(event)
            known.add(event.event_id)
    if update.approval_event_stream.execution_id:
        stream.execution_id = update.approval_event_stream.execution_id


def _merge_phase(merged: Status, phase: enum_pb2.ExecutionPhase, now: str) -> None:
    if phase == phases.UNSPECIFIED or phases.rank(phase) < phases.rank(merged.phase):
        return
    if merged.phase == phases.PAUSED and not phases.is_terminal(phase):
        return
    was_terminal = phases.is_terminal(merged.phase)
    merged.phase = phase  # terminal -> another terminal phase is caught by merge() as a change
    if was_terminal:
        return
    if phases.rank(phase) >= 2 and not merged.started_at:
        merged.started_at = now
    if phases.is_terminal(phase) and not merged.completed_at:
        merged.completed_at = now

