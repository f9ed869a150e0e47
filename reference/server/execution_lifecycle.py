"""What agent and workflow executions share: phase order, terminal finality, status merging.

The two kinds use different ``ExecutionPhase`` enums (e.g. 6 is WAITING_FOR_APPROVAL for an
agent execution but TERMINATED for a workflow execution), so each builds its own
:class:`PhaseRules` from the names; the rules themselves are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from google.protobuf.message import Message

S = TypeVar("S", bound=Message)
_TERMINAL_NAMES = ("COMPLETED", "FAILED", "CANCELLED", "TERMINATED")


class PhaseRules:
    """Phase order of one ``ExecutionPhase`` enum.

    PENDING < the ``active`` phases < terminal phases (COMPLETED, FAILED, CANCELLED,
    TERMINATED); unknown phases rank with UNSPECIFIED.
    """

    def __init__(self, enum: Any, active: Iterable[str]) -> None:
        self._enum = enum
        self.terminal: frozenset[int] = frozenset(
            enum.Value(f"EXECUTION_{phase}") for phase in _TERMINAL_NAMES
        )
        self._rank = {enum.Value("EXECUTION_PHASE_UNSPECIFIED"): 0,
                      enum.Value("EXECUTION_PENDING"): 1}
        self._rank.update({enum.Value(f"EXECUTION_{phase}"): 2 for phase in active})

    def is_terminal(self, phase: int) -> bool:
        """True for COMPLETED, FAILED, CANCELLED and TERMINATED."""
        return phase in self.terminal

    def rank(self, phase: int) -> int:
        """Progress rank of a phase; a transition may never lower it."""
        return 3 if phase in self.terminal else self._rank.get(phase, 0)

    def name(self, phase: int) -> str:
        """Short name: ``EXECUTION_COMPLETED`` -> ``COMPLETED``."""
        try:
            full = self._enum.Name(phase)
        except ValueError:
            return str(phase)
        return full.removeprefix("EXECUTION_")


class TerminalPhaseError(Exception):
    """The execution already reached a terminal phase; its status can no longer change."""

    def __init__(self, phase: int, phase_name: str) -> None:
        super().__init__(f"execution is already {phase_name} (a terminal phase)")
        self.phase = phase


def require_live(rules: PhaseRules, phase: int) -> None:
    """Raise :class:`TerminalPhaseError` when ``phase`` is terminal."""
    if rules.is_terminal(phase):
        raise TerminalPhaseError(phase, rules.name(phase))


def replace_set_fields(merged: Message, update: Message, skipped: set[str]) -> None:
    """Every field set in ``update`` (but ``skipped``) replaces the one in ``merged``."""
    for field, value in update.ListFields():
        if field.name in skipped:
            continue
        target = getattr(merged, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            target.clear()
            for key, item in value.items():
                if field.message_type.fields_by_name["value"].message_type is not None:
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif field.is_repeated:
            del target[:]
            target.extend(value)
        elif field.message_type is not None:
            target.CopyFrom(value)
        else:
            setattr(merged, field.name, value)


def finished(rules: PhaseRules, current: S, phase: int, error: str, now: str) -> S:
    """A copy of live ``current`` moved to terminal ``phase`` (``error`` set when given)."""
    # Either kind's status message: both have phase, error and completed_at.
    live: Any = current
    require_live(rules, live.phase)
    done: Any = type(current)()
    done.CopyFrom(current)
    done.phase = phase
    if error:
        done.error = error
    done.completed_at = done.completed_at or now
    return done
