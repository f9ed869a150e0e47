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

from .execution_lifecycle import (
    PhaseRules,
    TerminalPhaseError,
    finished,
    replace_set_fields,
    require_live,
)

__all__ = ["RULES", "TerminalPhaseError", "finish", "is_terminal", "merge", "name", "rank"]

Status = api_pb2.WorkflowExecutionStatus
Phase = enum_pb2.ExecutionPhase
PENDING = Phase.EXECUTION_PENDING
IN_PROGRESS = Phase.EXECUTION_IN_PROGRESS
COMPLETED = Phase.EXECUTION_COMPLETED
FAILED = Phase.EXECUTION_FAILED
CANCELLED = Phase.EXECUTION_CANCELLED
TERMINATED = Phase.EXECUTION_TERMINATED
PAUSED = Phase.EXECUTION_PAUSED
RULES = PhaseRules(Phase, ("IN_PROGRESS", "PAUSED"))
TERMINAL = RULES.terminal
is_terminal = RULES.is_terminal
rank = RULES.rank
name = RULES.name
_SKIPPED = {"tasks", "phase", "audit"}


def merge(current: Status, update: Status, now: str) -> Status:
    """``current`` with ``update`` merged in (module docstring); ``current`` if unchanged."""
    if update.phase not in (0, current.phase):
        require_live(RULES, current.phase)
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
    replace_set_fields(merged, update, _SKIPPED)
    if rank(merged.phase) >= 2 and not merged.started_at:
        merged.started_at = now
    if is_terminal(merged.phase) and not merged.completed_at:
        merged.completed_at = now
    if merged == current:
        return current
    require_live(RULES, current.phase)
    return merged


def finish(current: Status, phase: int, error: str, now: str) -> Status:
    """Move a live execution to terminal ``phase`` (with ``error`` when FAILED)."""
    return finished(RULES, current, phase, error, now)
