"""Workflow-execution phases and how ``updateStatus`` merges into the stored status (pure).

* ``phase`` only moves forward (PENDING < IN_PROGRESS/PAUSED < terminal); ``started_at`` and
  ``completed_at`` are filled in when the runner did not send them.
* ``tasks`` are upserted by ``task_id`` (else ``task_name``): an incoming task replaces the
  stored one with the same id, new ones are appended in order; none is ever removed.
* every other set field replaces the stored one; ``audit`` is server-owned.
* terminal phases are final: changing a terminal execution raises :class:`TerminalPhaseError`.
"""

from __future__ import annotations

from ai.stigmer.agentic.workflowexecution.v1 import api_pb2, enum_pb2

Status = api_pb2.WorkflowExecutionStatus
Phase = enum_pb2.ExecutionPhase
PENDING = Phase.EXECUTION_PENDING
IN_PROGRESS = Phase.EXECUTION_IN_PROGRESS
COMPLETED = Phase.EXECUTION_COMPLETED
FAILED = Phase.EXECUTION_FAILED
CANCELLED = Phase.EXECUTION_CANCELLED
TERMINATED = Phase.EXECUTION_TERMINATED
PAUSED = Phase.EXECUTION_PAUSED
TERMINAL = frozenset({COMPLETED, FAILED, CANCELLED, TERMINATED})
_RANK = {Phase.EXECUTION_PHASE_UNSPECIFIED: 0, PENDING: 1, IN_PROGRESS: 2, PAUSED: 2}
_SKIPPED = {"tasks", "phase", "audit"}


class TerminalPhaseError(Exception):
    """The execution already reached a terminal phase; its status can no longer change."""

    def __init__(self, phase: int) -> None:
        super().__init__(f"execution is already {name(phase)} (a terminal phase)")
        self.phase = phase


def is_terminal(phase: int) -> bool:
    """True for COMPLETED, FAILED, CANCELLED and TERMINATED."""
    return phase in TERMINAL


def rank(phase: int) -> int:
    """Progress rank; a transition may never lower it."""
    return 3 if phase in TERMINAL else _RANK.get(phase, 0)


def name(phase: int) -> str:
    """``EXECUTION_COMPLETED`` -> ``COMPLETED``."""
    try:
        return Phase.Name(phase).removeprefix("EXECUTION_")
    except ValueError:
        return str(phase)


def merge(current: Status, update: Status, now: str) -> Status:
    """``current`` with ``update`` merged in (module docstring); ``current`` if unchanged."""
    if is_terminal(current.phase) and update.phase not in (0, current.phase):
        raise TerminalPhaseError(current.phase)
    merged = Status()
    merged.CopyFrom(current)
    index = {task.task_id or task.task_name: i for i, task in enumerate(merged.tasks)}
    for task in update.tasks:
        key = task.task_id or task.task_name
        if key in index:
            merged.tasks[index[key]].CopyFrom(task)
        else:
            index[key] = len(merged.tasks)
            merged.tasks.append(task)
    if update.phase and rank(update.phase) >= rank(merged.phase):
        merged.phase = update.phase
    for field, value in update.ListFields():
        if field.name in _SKIPPED:
            continue
        target = getattr(merged, field.name)
        if field.is_repeated:
            del target[:]
            target.extend(value)
        elif field.message_type is not None:
            target.CopyFrom(value)
        else:
            setattr(merged, field.name, value)
    if rank(merged.phase) >= 2 and not merged.started_at:
        merged.started_at = now
    if is_terminal(merged.phase) and not merged.completed_at:
        merged.completed_at = now
    if merged == current:
        return current
    if is_terminal(current.phase):
        raise TerminalPhaseError(current.phase)
    return merged


def finish(current: Status, phase: int, error: str, now: str) -> Status:
    """Move a live execution to terminal ``phase`` (with ``error`` when FAILED)."""
    if is_terminal(current.phase):
        raise TerminalPhaseError(current.phase)
    done = Status()
    done.CopyFrom(current)
    done.phase = phase
    if error:
        done.error = error
    done.completed_at = done.completed_at or now
    return done
