"""The protos' own ``buf.validate`` rules, checked with protovalidate (server requests and the
CLI's dry run alike), and the one-line wording of a violation: ``field.path: message [rule]``."""

from __future__ import annotations

import threading

import protovalidate
from buf.validate import validate_pb2
from google.protobuf.message import Message

_LOCAL = threading.local()


def _validator() -> protovalidate.Validator:
    """One validator per thread (it caches compiled rules; its state is not shared)."""
    validator = getattr(_LOCAL, "validator", None)
    if validator is None:
        validator = _LOCAL.validator = protovalidate.Validator()
    return validator


def field_path(path: validate_pb2.FieldPath) -> str:
    """``spec.sub_agents[0].instructions`` (proto field names; map keys and indexes shown)."""
    parts: list[str] = []
    for element in path.elements:
        text = element.field_name or str(element.field_number)
        subscript = element.WhichOneof("subscript")
        if subscript == "index":
            text += f"[{element.index}]"
        elif subscript is not None:
            text += f"[{getattr(element, subscript)!r}]"
        parts.append(text)
    return ".".join(parts)


def violations(message: Message) -> list[str]:
    """Every rule ``message`` breaks, as ``field.path: message [rule.id]`` (empty: valid)."""
    lines = []
    for violation in _validator().collect_violations(message):
        proto = violation.proto
        where = field_path(proto.field) if proto.HasField("field") else "(message)"
        lines.append(f"{where}: {proto.message} [{proto.rule_id}]")
    return lines


def refusal(message: Message) -> str | None:
    """The INVALID_ARGUMENT text for ``message``, or None when it keeps every rule."""
    found = violations(message)
    if not found:
        return None
    return f"validation error: invalid {message.DESCRIPTOR.name}: {'; '.join(found)}"
