"""Following executions: phase lines, streamed messages, fallbacks to polling."""

from __future__ import annotations

import io
from collections.abc import Callable

import grpc
import pytest

from reference.cli.follow import AgentExecutionPrinter, follow
from reference.cli.output import is_terminal

PENDING, IN_PROGRESS, COMPLETED, FAILED = 1, 2, 3, 4
HUMAN, AI, SYSTEM = 1, 2, 4


def test_printer_shows_phases_and_extends_streamed_text(snapshot: Callable) -> None:
    out = io.StringIO()
    printer = AgentExecutionPrinter(out)
    for snap in [
        snapshot(PENDING, [(HUMAN, "Say hello")]),
        snapshot(IN_PROGRESS, [(HUMAN, "Say hello")]),
        snapshot(IN_PROGRESS, [(HUMAN, "Say hello"), (AI, "Hel")]),
        snapshot(IN_PROGRESS, [(HUMAN, "Say hello"), (AI, "Hello there")]),
        snapshot(IN_PROGRESS, [(HUMAN, "Say hello"), (AI, "Hello there")]),
        snapshot(COMPLETED, [(HUMAN, "Say hello"), (AI, "Hello there!")]),
    ]:
        printer.update(snap)
    printer.finish()
    assert out.getvalue().splitlines() == [
        "[PENDING]",
        "You: Say hello",
        "[IN_PROGRESS]",
        "AI: Hello there!",
        "[COMPLETED]",
    ]


def test_rewritten_message_is_printed_again_in_full(snapshot: Callable) -> None:
    out = io.StringIO()
    printer = AgentExecutionPrinter(out)
    printer.update(snapshot(IN_PROGRESS, [(AI, "draft")]))
    printer.update(snapshot(IN_PROGRESS, [(AI, "final answer")]))
    printer.update(snapshot(FAILED, [(AI, "final answer"), (SYSTEM, "Error: boom")]))
    printer.finish()
    assert out.getvalue().splitlines() == [
        "[IN_PROGRESS]",
        "AI: draft",
        "AI: final answer",
        "System: Error: boom",
        "[FAILED]",
    ]


def _terminal(snap) -> bool:
    return is_terminal(snap.status.phase)


def test_follow_stops_at_the_first_terminal_snapshot(snapshot: Callable) -> None:
    stream = [snapshot(PENDING, []), snapshot(COMPLETED, [(AI, "hi")]), snapshot(FAILED, [])]
    final = follow(lambda: iter(stream), lambda: pytest.fail("no polling expected"),
                   AgentExecutionPrinter(io.StringIO()), _terminal)
    assert final.status.phase == COMPLETED


def test_follow_polls_when_subscribe_is_unimplemented(
    snapshot: Callable, make_error: Callable
) -> None:
    def subscribe():
        raise make_error(grpc.StatusCode.UNIMPLEMENTED, "no streams")

    polls = iter([snapshot(PENDING, []), snapshot(IN_PROGRESS, []), snapshot(COMPLETED, [])])
    sleeps: list[float] = []
    out = io.StringIO()
    final = follow(subscribe, lambda: next(polls), AgentExecutionPrinter(out), _terminal,
                   sleep=sleeps.append)
    assert final.status.phase == COMPLETED
    assert len(sleeps) == 2
    assert out.getvalue().splitlines() == ["[PENDING]", "[IN_PROGRESS]", "[COMPLETED]"]


def test_follow_polls_after_a_stream_that_ends_early(snapshot: Callable) -> None:
    final = follow(lambda: iter([snapshot(IN_PROGRESS, [])]),
                   lambda: snapshot(COMPLETED, [(AI, "done")]),
                   AgentExecutionPrinter(io.StringIO()), _terminal, sleep=lambda _s: None)
    assert final.status.phase == COMPLETED


def test_follow_reraises_other_errors_after_closing_the_line(
    snapshot: Callable, make_error: Callable
) -> None:
    def subscribe():
        yield snapshot(IN_PROGRESS, [(AI, "partial")])
        raise make_error(grpc.StatusCode.INTERNAL, "stream broke")

    out = io.StringIO()
    with pytest.raises(Exception, match="stream broke"):
        follow(subscribe, lambda: None, AgentExecutionPrinter(out), _terminal)
    assert out.getvalue().endswith("AI: partial\n")
