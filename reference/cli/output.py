"""Output formatting: tables, YAML/JSON documents, phases, messages and summaries."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import yaml
from ai.stigmer.agentic.agentexecution.v1 import enum_pb2 as execution_enum_pb2
from ai.stigmer.agentic.workflowexecution.v1 import enum_pb2 as workflow_enum_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

OUTPUT_FORMATS = ("table", "yaml", "json")
SECRET_MASK = "********"
EMPTY_CELL = "-"

TERMINAL_PHASES = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TERMINATED"})

# Message type -> (label shown while following, name used in summaries), in summary order.
MESSAGE_TYPES: dict[str, tuple[str, str]] = {
    "MESSAGE_HUMAN": ("You", "human"),
    "MESSAGE_AI": ("AI", "ai"),
    "MESSAGE_TOOL": ("Tool", "tool"),
    "MESSAGE_SYSTEM": ("System", "system"),
    "MESSAGE_THINKING": ("Thinking", "thinking"),
    "MESSAGE_TYPE_UNSPECIFIED": ("Message", "other"),
}


def render_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Left-aligned columns separated by two spaces; empty cells show as `-`."""
    cells = [[str(h) for h in headers]]
    cells += [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(value.ljust(widths[i]) for i, value in enumerate(row)).rstrip()
             for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    text = " ".join(str(value).split()) if value not in (None, "") else EMPTY_CELL
    return text if len(text) <= 60 else text[:57] + "..."


AGENT_PHASES = execution_enum_pb2.ExecutionPhase
WORKFLOW_PHASES = workflow_enum_pb2.ExecutionPhase  # same names, other numbers
WORKFLOW_TASK_STATUSES = workflow_enum_pb2.WorkflowTaskStatus


def enum_label(enum: Any, value: int, prefix: str) -> str:
    """`EXECUTION_IN_PROGRESS` -> `IN_PROGRESS` (prefix removed); unknown -> `UNKNOWN_<n>`."""
    try:
        name = enum.Name(value)
    except ValueError:
        return f"UNKNOWN_{value}"
    if name.endswith("_UNSPECIFIED"):
        return "UNSPECIFIED"
    return name.removeprefix(prefix)


def phase_name(phase: int, phases: Any = AGENT_PHASES) -> str:
    """An execution phase without its prefix: 2 -> `IN_PROGRESS`."""
    return enum_label(phases, phase, "EXECUTION_")


def is_terminal(phase: int, phases: Any = AGENT_PHASES) -> bool:
    """True for COMPLETED, FAILED, CANCELLED and TERMINATED."""
    return phase_name(phase, phases) in TERMINAL_PHASES


def task_status_name(status: int) -> str:
    """A workflow task status without its prefix: 3 -> `COMPLETED`."""
    return enum_label(WORKFLOW_TASK_STATUSES, status, "WORKFLOW_TASK_")


def message_type_key(message_type: int) -> str:
    """The enum name of a message type, `MESSAGE_TYPE_UNSPECIFIED` for unknown numbers."""
    try:
        return execution_enum_pb2.MessageType.Name(message_type)
    except ValueError:
        return "MESSAGE_TYPE_UNSPECIFIED"


def message_label(message_type: int) -> str:
    """`AI`, `You`, `Tool`, `System`, `Thinking` (or `Message`)."""
    return MESSAGE_TYPES[message_type_key(message_type)][0]


def message_text(message: Any) -> str:
    """The text shown for a message: its content, else a note of its tool calls."""
    if message.content:
        return str(message.content)
    calls = [call.name for call in getattr(message, "tool_calls", []) if call.name]
    return f"(calls {', '.join(calls)})" if calls else ""


def format_message(message: Any) -> str:
    """`AI: Hello!`"""
    return f"{message_label(message.type)}: {message_text(message)}"


def message_counts(messages: Iterable[Any]) -> str:
    """`3 messages (1 human, 1 ai, 1 system)`; `0 messages`; `1 message (1 ai)`."""
    counts = Counter(MESSAGE_TYPES[message_type_key(m.type)][1] for m in messages)
    total = sum(counts.values())
    noun = "message" if total == 1 else "messages"
    parts = [f"{counts[name]} {name}" for _, name in MESSAGE_TYPES.values() if counts[name]]
    return f"{total} {noun} ({', '.join(parts)})" if parts else f"{total} {noun}"


def execution_summary(phase: int, messages: Sequence[Any]) -> str:
    """`Execution COMPLETED: 3 messages (1 human, 1 ai, 1 system)`."""
    return f"Execution {phase_name(phase)}: {message_counts(messages)}"


def task_counts(tasks: Iterable[Any]) -> str:
    """`2 tasks (1 completed, 1 failed)`; `0 tasks`."""
    counts = Counter(task_status_name(t.status).lower() for t in tasks)
    total = sum(counts.values())
    noun = "task" if total == 1 else "tasks"
    parts = [f"{n} {name}" for name, n in sorted(counts.items())]
    return f"{total} {noun} ({', '.join(parts)})" if parts else f"{total} {noun}"


def workflow_execution_summary(phase: int, tasks: Sequence[Any]) -> str:
    """`Workflow execution COMPLETED: 2 tasks (2 completed)`."""
    return f"Workflow execution {phase_name(phase, WORKFLOW_PHASES)}: {task_counts(tasks)}"


def to_dict(message: Message) -> dict[str, Any]:
    """A proto as a JSON-like dict (camelCase names, enums by name), secrets masked."""
    data = json_format.MessageToDict(message)
    return mask_secrets(data)


def mask_secrets(data: Any) -> Any:
    """Replace the `value` of every `{value, isSecret: true}` mapping with a mask."""
    if isinstance(data, dict):
        masked = {key: mask_secrets(value) for key, value in data.items()}
        if masked.get("isSecret") is True and "value" in masked:
            masked["value"] = SECRET_MASK
        return masked
    if isinstance(data, list):
        return [mask_secrets(item) for item in data]
    return data


def render_document(data: Any, fmt: str) -> str:
    """Render a dict (or a list of dicts) as YAML or JSON."""
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False)
    if fmt == "yaml":
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).rstrip("\n")
    raise ValueError(f"unsupported output format {fmt!r}")
