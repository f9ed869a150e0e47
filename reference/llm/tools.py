"""Tool calling for a model whose chat template has no tools section (SmolLM2).

Two steps. The decision: the tools are described in the system prompt (plus one worked
example) and the reply is constrained by a JSON schema (llama.cpp turns it into a grammar)
to ``{"tool_call": {"name": "<a tool>", "arguments": {...}}}`` or ``{"response": ""}``.
A tool call becomes Ollama's ``message.tool_calls[].function.{name, arguments}``; a response
is then generated as ordinary text (streamable, and better than text squeezed into JSON).
Once the conversation ends with tool results, the model answers in plain text with those
results in context (no further tool calls: a 135M model would loop).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Message = dict[str, Any]

LOOSE_ARGUMENTS: dict[str, Any] = {"type": "object"}


@dataclass(frozen=True)
class ToolSpec:
    """One callable tool as the model sees it."""

    name: str
    description: str
    parameters: dict[str, Any]


def _clean(value: Any) -> Any:
    """Drop None values (clients serialise unset schema fields as null)."""
    if isinstance(value, Mapping):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def parse_tools(tools: Any) -> list[ToolSpec]:
    """Ollama/OpenAI tool definitions -> specs; ValueError when malformed."""
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise ValueError("tools must be a list")
    specs = []
    for tool in tools:
        function = tool.get("function") if isinstance(tool, Mapping) else None
        if not isinstance(function, Mapping) or not function.get("name"):
            raise ValueError("each tool needs function.name")
        parameters = _clean(function.get("parameters") or {})
        parameters.setdefault("type", "object")
        parameters.setdefault("properties", {})
        specs.append(ToolSpec(str(function["name"]), str(function.get("description") or ""),
                              parameters))
    return specs


# Above this many characters of tool descriptions (deepagents' 16 tools: ~20,000, ~5,000
# tokens), each tool is described by its first sentence and its parameter names; the grammar
# still constrains the arguments to the full schema. Small tool sets keep the full format.
FULL_DESCRIPTIONS_LIMIT = 4000
SHORT_DESCRIPTION = 160  # characters of a tool's first sentence in the compact format


def _full_line(spec: ToolSpec) -> str:
    properties = json.dumps(spec.parameters.get("properties", {}))
    return f"- {spec.name}: {spec.description} Parameters: {properties}"


def _compact_line(spec: ToolSpec) -> str:
    first = " ".join(spec.description.split()).split(". ")[0].rstrip(".")[:SHORT_DESCRIPTION]
    names = ", ".join(spec.parameters.get("properties", {}))
    return f"- {spec.name}({names}): {first}."


def system_prompt(specs: Sequence[ToolSpec], base: str) -> str:
    """The system prompt that describes the tools and the reply format.

    It starts with ``base`` exactly as the answer's system message does (only trailing
    whitespace goes), so the answer can reuse the decision's evaluated prefix (prompt cache)."""
    lines = [base.rstrip() or "You are a helpful assistant.", "Tools you can call:"]
    full = [_full_line(spec) for spec in specs]
    compact = sum(len(line) for line in full) > FULL_DESCRIPTIONS_LIMIT
    lines += [_compact_line(spec) for spec in specs] if compact else full
    lines.append('Reply in JSON. Call a tool only when the user asks for what it does: '
                 '{"tool_call": {"name": ..., "arguments": {...}}}. For anything else '
                 '(greetings, chit-chat, general questions) reply {"response": "..."}.')
    return "\n".join(lines)


# One worked example: a greeting is answered, not turned into a tool call.
EXAMPLE_TURNS: list[Message] = [
    {"role": "user", "content": "Hello!"},
    {"role": "assistant", "content": json.dumps({"response": "Hello! How can I help you today?"})},
]


def decision_schema(specs: Sequence[ToolSpec], loose: bool = False) -> dict[str, Any]:
    """JSON schema of the decision: a full tool call, or ``{"response": ""}``.

    The choice is made at the first key, before the two alternatives differ, so capping
    the response at zero characters does not change it; the answer itself is then
    generated as plain text with the chat template. ``loose`` accepts any arguments.
    """
    alternatives: list[dict[str, Any]] = [{
        "type": "object",
        "properties": {"response": {"type": "string", "maxLength": 0}},
        "required": ["response"],
        "additionalProperties": False,
    }]
    for spec in specs:
        call = {
            "type": "object",
            "properties": {
                "name": {"const": spec.name},
                "arguments": LOOSE_ARGUMENTS if loose else spec.parameters,
            },
            "required": ["name", "arguments"],
            "additionalProperties": False,
        }
        alternatives.append({
            "type": "object",
            "properties": {"tool_call": call},
            "required": ["tool_call"],
            "additionalProperties": False,
        })
    return {"anyOf": alternatives}


def parse_decision(text: str, specs: Sequence[ToolSpec]) -> list[dict[str, Any]]:
    """Ollama ``tool_calls`` from the decision, or [] when the model chose to answer."""
    try:
        reply = json.loads(text)
    except json.JSONDecodeError:
        return []
    call = reply.get("tool_call") if isinstance(reply, dict) else None
    if not isinstance(call, dict) or call.get("name") not in {spec.name for spec in specs}:
        return []
    arguments = call.get("arguments")
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError:
            arguments = {"input": arguments}
    return [{
        "id": f"call_{secrets.token_hex(8)}",
        "function": {"index": 0, "name": call["name"],
                     "arguments": arguments if isinstance(arguments, dict) else {}},
    }]


def ends_with_tool_results(messages: Sequence[Mapping[str, Any]]) -> bool:
    """True when the last message is a tool result: time to answer, not to call."""
    return bool(messages) and messages[-1].get("role") == "tool"


def _call_names(messages: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    names = {}
    for message in messages:
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            if call.get("id") and function.get("name"):
                names[str(call["id"])] = str(function["name"])
    return names


def _describe_call(call: Mapping[str, Any]) -> str:
    function = call.get("function") or {}
    arguments = function.get("arguments")
    if not isinstance(arguments, str):
        arguments = json.dumps(arguments or {})
    return f"{function.get('name', 'tool')}({arguments})"


def render_history(messages: Sequence[Mapping[str, Any]], json_replies: bool) -> list[Message]:
    """Chat history with tool traffic in roles the template knows.

    An assistant tool call becomes the JSON it would have produced (``json_replies``) or a
    sentence; a tool result becomes a user message naming the tool.
    """
    names = _call_names(messages)
    last_call = "tool"
    rendered: list[Message] = []
    for message in messages:
        role = message.get("role")
        content = message.get("content") or ""
        calls = message.get("tool_calls") or []
        if role == "assistant" and calls:
            last_call = str((calls[-1].get("function") or {}).get("name") or last_call)
            if json_replies:
                function = calls[0].get("function") or {}
                text = json.dumps({"tool_call": {"name": function.get("name"),
                                                 "arguments": function.get("arguments") or {}}})
            else:
                text = "I called " + ", ".join(_describe_call(call) for call in calls) + "."
            rendered.append({"role": "assistant", "content": text})
        elif role == "tool":
            name = (message.get("tool_name") or names.get(str(message.get("tool_call_id")))
                    or last_call)
            rendered.append({"role": "user", "content": f"The {name} tool returned: {content}"})
        elif role == "assistant" and json_replies:
            rendered.append({"role": "assistant", "content": json.dumps({"response": content})})
        else:
            rendered.append({"role": str(role), "content": content})
    return rendered
