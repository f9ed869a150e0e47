"""Ollama chat/generate requests -> one llama.cpp request (messages, sampling, format, tools)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from reference.llm import tools
from reference.llm.errors import ApiError
from reference.llm.options import sampling_fields

Mode = Literal["text", "tools", "raw"]
TOOL_REPLY_LIMIT = 512  # tokens for a tool-call decision


@dataclass
class Plan:
    """What to ask llama.cpp, and how to read its answer."""

    kind: Literal["chat", "generate"]
    model: str
    stream: bool
    mode: Mode = "text"
    messages: list[dict[str, Any]] = field(default_factory=list)
    prompt: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    empty: bool = False
    # tools mode: the decision step's system prompt, history and schema
    specs: list[tools.ToolSpec] = field(default_factory=list)
    tool_system: str = ""
    tool_history: list[dict[str, Any]] = field(default_factory=list)
    loose_arguments: bool = False

    def body(self) -> dict[str, Any]:
        """The llama.cpp request body of the text answer."""
        if self.mode == "raw":
            return {**self.fields, "prompt": self.prompt}
        return {**self.fields, "messages": self.messages}

    def decision_body(self) -> dict[str, Any]:
        """The llama.cpp request body of the tool decision (tools mode)."""
        fields = {k: v for k, v in self.fields.items()
                  if k not in ("json_schema", "response_format", "stop")}
        fields["n_predict"] = TOOL_REPLY_LIMIT  # num_predict limits the answer, not the call
        messages = [{"role": "system", "content": self.tool_system}, *tools.EXAMPLE_TURNS,
                    *self.tool_history]
        schema = tools.decision_schema(self.specs, loose=self.loose_arguments)
        return {**fields, "messages": messages, "json_schema": schema}

    def drop_oldest_turn(self) -> bool:
        """Forget the oldest non-system message (context overflow); False if none left."""
        if len(self.tool_history) > 1:
            del self.tool_history[0]
        for index, message in enumerate(self.messages[:-1]):
            if message["role"] != "system":
                del self.messages[index]
                return True
        return False


def _format_fields(fmt: Any) -> dict[str, Any]:
    if fmt in (None, ""):
        return {}
    if fmt == "json":
        return {"response_format": {"type": "json_object"}}
    if isinstance(fmt, Mapping):
        return {"json_schema": dict(fmt)}
    raise ApiError(400, f"invalid format: {fmt!r} (expected \"json\" or a JSON schema)")


def _messages(raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ApiError(400, "messages must be a list")
    messages = []
    for message in raw:
        if not isinstance(message, Mapping) or not isinstance(message.get("role"), str):
            raise ApiError(400, "each message needs a role")
        content = message.get("content")
        clean = dict(message)
        clean["content"] = "" if content is None else str(content)
        messages.append(clean)
    return messages


def _check_think(body: Mapping[str, Any], model: str) -> None:
    if body.get("think") not in (None, False, "", "false", "none"):
        raise ApiError(400, f'"{model}" does not support thinking')


def plan_chat(body: Mapping[str, Any], model: str) -> Plan:
    """Plan an ``/api/chat`` request (model already resolved)."""
    _check_think(body, model)
    history = _messages(body.get("messages"))
    try:
        specs = tools.parse_tools(body.get("tools"))
    except ValueError as error:
        raise ApiError(400, str(error)) from error
    fields = sampling_fields(body.get("options"))
    fields.update(_format_fields(body.get("format")))
    plan = Plan("chat", model, body.get("stream", True) is not False, fields=fields,
                empty=not history, messages=tools.render_history(history, json_replies=False))
    if specs and not tools.ends_with_tool_results(history):
        plan.mode, plan.specs = "tools", specs
        system = "\n".join(m["content"] for m in history if m["role"] == "system")
        plan.tool_system = tools.system_prompt(specs, system)
        turns = [m for m in history if m["role"] != "system"]
        plan.tool_history = tools.render_history(turns, json_replies=True)
    return plan


def plan_generate(body: Mapping[str, Any], model: str) -> Plan:
    """Plan an ``/api/generate`` request: the prompt as one user turn, or raw text."""
    _check_think(body, model)
    prompt = body.get("prompt") or ""
    if not isinstance(prompt, str):
        raise ApiError(400, "prompt must be a string")
    fields = sampling_fields(body.get("options"))
    fields.update(_format_fields(body.get("format")))
    plan = Plan("generate", model, body.get("stream", True) is not False, fields=fields,
                prompt=prompt, empty=not prompt)
    if body.get("raw"):
        plan.mode = "raw"
        return plan
    system = body.get("system")
    if system:
        plan.messages.append({"role": "system", "content": str(system)})
    plan.messages.append({"role": "user", "content": prompt})
    return plan
