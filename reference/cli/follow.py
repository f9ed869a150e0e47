"""Following an execution: print phase changes and messages as snapshots arrive.

The subscribe stream sends the whole execution each time; the printers keep what they have
shown and print only what is new. A message still growing (streamed AI text) is kept on an open
line and extended in place until something else is printed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any, TextIO

from stigmer import StigmerError

from reference.cli.errors import is_unimplemented
from reference.cli.output import (
    WORKFLOW_PHASES,
    is_terminal,
    message_label,
    message_text,
    phase_name,
    task_status_name,
)

POLL_INTERVAL_S = 0.5


class LinePrinter:
    """Writes lines, keeping the last one open so streamed text can be appended to it."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.open = False

    def write(self, text: str) -> None:
        """Start or extend the open line."""
        self.out.write(text)
        self.out.flush()
        self.open = True

    def line(self, text: str) -> None:
        """Print a complete line (closing any open one first)."""
        self.close()
        self.out.write(text + "\n")
        self.out.flush()

    def close(self) -> None:
        """End the open line, if any."""
        if self.open:
            self.out.write("\n")
            self.out.flush()
            self.open = False


class AgentExecutionPrinter:
    """Prints `[PHASE]` on each phase change and `AI: ...` for each new or grown message."""

    def __init__(self, out: TextIO) -> None:
        self.lines = LinePrinter(out)
        self.phase: int | None = None
        self.shown: list[str] = []  # text shown so far, per message index
        self.last: Any = None

    def update(self, execution: Any) -> None:
        """Show what changed since the previous snapshot.

        A new non-terminal phase is printed before the messages, a terminal one after them.
        """
        phase = execution.status.phase
        changed = phase != self.phase
        if changed and not is_terminal(phase):
            self.lines.line(f"[{phase_name(phase)}]")
        for index, message in enumerate(execution.status.messages):
            self._show_message(index, message)
        if changed and is_terminal(phase):
            self.lines.line(f"[{phase_name(phase)}]")
        self.phase = phase
        self.last = execution

    def _show_message(self, index: int, message: Any) -> None:
        text = message_text(message)
        if index < len(self.shown):
            before = self.shown[index]
            if text == before:
                return
            is_open_tail = self.lines.open and index == len(self.shown) - 1
            if is_open_tail and text.startswith(before):
                self.lines.write(text[len(before):])
            else:
                self.lines.close()
                self.lines.write(f"{message_label(message.type)}: {text}")
            self.shown[index] = text
            return
        self.lines.close()
        self.lines.write(f"{message_label(message.type)}: {text}")
        self.shown.append(text)

    def finish(self) -> None:
        """End any open line."""
        self.lines.close()


class WorkflowExecutionPrinter:
    """Prints `[PHASE]` on each phase change and `Task NAME: STATUS` on each task change."""

    def __init__(self, out: TextIO) -> None:
        self.lines = LinePrinter(out)
        self.phase: int | None = None
        self.tasks: dict[str, int] = {}
        self.last: Any = None

    def update(self, execution: Any) -> None:
        """Show what changed since the previous snapshot."""
        phase = execution.status.phase
        if phase != self.phase:
            self.lines.line(f"[{phase_name(phase, WORKFLOW_PHASES)}]")
        for task in execution.status.tasks:
            key = task.task_id or task.task_name
            if self.tasks.get(key) != task.status:
                detail = f" ({task.error})" if task.error else ""
                name = task.task_name or task.task_id
                self.lines.line(f"Task {name}: {task_status_name(task.status)}{detail}")
                self.tasks[key] = task.status
        self.phase = phase
        self.last = execution

    def finish(self) -> None:
        """End any open line."""
        self.lines.close()


def follow(
    subscribe: Callable[[], Iterable[Any]],
    get: Callable[[], Any],
    printer: AgentExecutionPrinter | WorkflowExecutionPrinter,
    terminal: Callable[[Any], bool],
    sleep: Callable[[float], None] = time.sleep,
) -> Any:
    """Stream snapshots into `printer` until a terminal phase; return the last snapshot.

    If the server cannot stream (UNIMPLEMENTED) or the stream ends early, poll `get` instead.
    """
    try:
        for snapshot in subscribe():
            printer.update(snapshot)
            if terminal(snapshot):
                printer.finish()
                return snapshot
    except StigmerError as exc:
        if not is_unimplemented(exc):
            printer.finish()
            raise
    while True:
        snapshot = get()
        printer.update(snapshot)
        if terminal(snapshot):
            printer.finish()
            return snapshot
        sleep(POLL_INTERVAL_S)
