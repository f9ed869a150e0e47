"""Agent-execution phases: which are terminal and which transitions move forward."""

from __future__ import annotations

from ai.stigmer.agentic.agentexecution.v1 import enum_pb2

from .execution_lifecycle import PhaseRules

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

# PENDING < (IN_PROGRESS | WAITING_FOR_APPROVAL | PAUSED) < terminal phases.
RULES = PhaseRules(enum_pb2.ExecutionPhase, ("IN_PROGRESS", "WAITING_FOR_APPROVAL", "PAUSED"))
TERMINAL: frozenset[int] = RULES.terminal
is_terminal = RULES.is_terminal
rank = RULES.rank
name = RULES.name
