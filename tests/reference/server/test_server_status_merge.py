"""Unit tests: the updateStatus merge rule and terminal transitions."""

from __future__ import annotations

import pytest
from ai.stigmer.agentic.agentexecution.v1 import api_pb2, enum_pb2, message_pb2

from reference.server import phases, status_merge
from reference.server.status_merge import TerminalPhaseError, finish, merge

NOW = "2026-01-01T00:00:00.000Z"
LATER = "2026-01-01T00:00:05.000Z"


def msg(kind: int, text: str, **kw: object) -> message_pb2.AgentMessage:
    return message_pb2.AgentMessage(type=kind, content=text, **kw)  # type: ignore[arg-type]


def status(phase: int = 0, *messages: message_pb2.AgentMessage, **kw: object) -> object:
    return api_pb2.AgentExecutionStatus(phase=phase, messages=list(messages), **kw)  # type: ignore[arg-type]


HUMAN, AI, SYSTEM = enum_pb2.MESSAGE_HUMAN, enum_pb2.MESSAGE_AI, enum_pb2.MESSAGE_SYSTEM


def test_growing_ai_message_replaces_in_place_without_duplicates() -> None:
    current = status(phases.PENDING)
    for text in ["Hel", "Hello", "Hello there"]:
        update = status(phases.IN_PROGRESS, msg(HUMAN, "hi"), msg(AI, text, is_streaming=True))
        current = merge(current, update, NOW)
    assert [(m.type, m.content) for m in current.messages] == [(HUMAN, "hi"), (AI, "Hello there")]
    assert current.phase == phases.IN_PROGRESS


def test_new_messages_append_and_a_shorter_snapshot_never_shrinks() -> None:
    current = merge(status(phases.PENDING), status(0, msg(HUMAN, "a"), msg(AI, "b")), NOW)
    current = merge(current, status(0, msg(HUMAN, "a"), msg(AI, "b"), msg(AI, "c")), NOW)
    assert [m.content for m in current.messages] == ["a", "b", "c"]
    current = merge(current, status(0, msg(HUMAN, "a2")), NOW)
    assert [m.content for m in current.messages] == ["a2", "b", "c"]


def test_timestamps_are_kept_or_filled() -> None:
    current = merge(status(phases.PENDING), status(0, msg(AI, "x")), NOW)
    assert current.messages[0].timestamp == NOW
    current = merge(current, status(0, msg(AI, "xy")), LATER)
    assert current.messages[0].timestamp == NOW
    current = merge(current, status(0, msg(AI, "xyz", timestamp="t")), LATER)
    assert current.messages[0].timestamp == "t"


def test_phase_moves_forward_only_and_stamps_times() -> None:
    current = merge(status(phases.PENDING), status(phases.IN_PROGRESS), NOW)
    assert (current.phase, current.started_at) == (phases.IN_PROGRESS, NOW)
    current = merge(current, status(phases.PENDING), LATER)  # backwards: ignored
    assert current.phase == phases.IN_PROGRESS
    current = merge(current, status(phases.WAITING_FOR_APPROVAL), LATER)  # lateral: allowed
    assert current.phase == phases.WAITING_FOR_APPROVAL
    current = merge(current, status(phases.COMPLETED), LATER)
    assert (current.phase, current.started_at, current.completed_at) == (
        phases.COMPLETED, NOW, LATER)


def test_runner_timestamps_win() -> None:
    update = status(phases.COMPLETED, started_at="s", completed_at="c")
    current = merge(status(phases.PENDING), update, NOW)
    assert (current.started_at, current.completed_at) == ("s", "c")


def test_other_fields_replace_when_set_and_audit_is_ignored() -> None:
    current = status(phases.IN_PROGRESS, error="old")
    current.todos["t1"].content = "first"
    current.audit.status_audit.event = "server"
    update = status(0, error="new")
    update.todos["t2"].content = "second"
    update.context_info.current_token_count = 42
    update.audit.status_audit.event = "client"
    merged = merge(current, update, NOW)
    assert merged.error == "new"
    assert list(merged.todos) == ["t2"]
    assert merged.context_info.current_token_count == 42
    assert merged.audit.status_audit.event == "server"
    unchanged = merge(merged, status(), NOW)
    assert unchanged is merged


@pytest.mark.parametrize("terminal", sorted(phases.TERMINAL))
def test_terminal_phases_are_final(terminal: int) -> None:
    current = merge(status(phases.IN_PROGRESS), status(terminal, msg(AI, "done")), NOW)
    with pytest.raises(TerminalPhaseError) as err:
        merge(current, status(phases.IN_PROGRESS, msg(AI, "more")), LATER)
    assert phases.name(terminal) in str(err.value)
    with pytest.raises(TerminalPhaseError):
        merge(current, status(phases.FAILED if terminal != phases.FAILED else phases.COMPLETED),
              LATER)
    with pytest.raises(TerminalPhaseError):
        merge(current, status(phases.IN_PROGRESS), LATER)  # a "backwards" phase is no excuse
    assert merge(current, status(terminal, msg(AI, "done")), LATER) is current  # same re-send


def test_finish_appends_system_message_and_rejects_terminal() -> None:
    current = status(phases.IN_PROGRESS, msg(AI, "partial"))
    done = finish(current, phases.FAILED, "Error: Execution failed: x", NOW, error="x")
    assert done.phase == phases.FAILED and done.error == "x" and done.completed_at == NOW
    assert (done.messages[-1].type, done.messages[-1].content) == (
        SYSTEM, "Error: Execution failed: x")
    with pytest.raises(TerminalPhaseError):
        finish(done, phases.CANCELLED, "late", LATER)


def test_now_iso_format() -> None:
    assert status_merge.now_iso().endswith("Z")
