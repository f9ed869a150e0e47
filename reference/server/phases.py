"""Execution phases: which are terminal and which transitions move forward."""

from __future__ import annotations

from ai.stigmer.agentic.agentexecution.v1 import enum_pb2

Phase = int

PENDING = enum_pb2.EXECUTION_PENDING
IN_PROGRESS = enum_pb2.EXECUTION_IN_PROGRESS
COMPLETED = enum_pb2.EXECUTION_COMPLETED
FAILED = enum_pb2.EXECUTION_FAILED
CANCELLED = enum_pb2.EXECUTION_CANCELLED
TERMINATED = enum_pb2.EXECUTION_TERMINATED
WAITING_FOR_APPROVAL = enum_pb2.EXECUTION_WAITING_FOR_APPROVAL
PAUSED = enum_pb2.EXECUTION_PAUSED
UNSPECIFIED = enum_pb2.EXECUTION_PHASE_UNSPECIFIED

TERMINAL: frozenset[int] = frozenset({COMPLETED, FAILED, CANCELLED, TERMINATED})

# PENDING < (IN_PROGRESS | WAITING_FOR_APPROVAL | PAUSED) < terminal phases.
_RANK = {UNSPECIFIED: 0, PENDING: 1, IN_PROGRESS: 2, WAITING_FOR_APPROVAL: 2, PAUSED: 2}


def is_terminal(phase: Phase) -> bool:
    """True for COMPLETED, FAILED, CANCELLED and TERMINATED."""
    return phase in TERMINAL


def rank(phase: Phase) -> int:
    """Progress rank of a phase; a transition may never lower it."""
    return 3 if phase in TERMINAL else _RANK.get(phase, 0)


def name(phase: Phase) -> str:
    """Short name: ``EXECUTION_COMPLETED`` -> ``COMPLETED``."""
    try:
        full = enum_pb2.ExecutionPhase.Name(phase)
    except ValueError:
        return str(phase)
    return full.removeprefix("EXECUTION_")
