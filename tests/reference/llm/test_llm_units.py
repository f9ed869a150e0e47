"""Pure pieces of the endpoint: names, options, tool protocol, plans, GGUF, merging."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from reference.llm import tools
from reference.llm.conversation import TOOL_REPLY_LIMIT, plan_chat, plan_generate
from reference.llm.errors import ApiError
from reference.llm.gguf import GgufError, human_parameter_size, read_gguf
from reference.llm.naming import ModelNames, normalize
from reference.llm.options import OLLAMA_DEFAULTS, sampling_fields
from reference.llm.service import merge

WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string",
                                                             "enum": None}},
                   "required": ["city"], "defs": None}}}


@pytest.mark.parametrize(("name", "short"), [
    ("smollm2:135m", "smollm2:135m"),
    ("SmolLM2:135M", "smollm2:135m"),
    ("smollm2", "smollm2:latest"),
    ("library/smollm2:135m", "smollm2:135m"),
    ("registry.ollama.ai/library/smollm2:135m", "smollm2:135m"),
    ("example.com:5000/team/model", "example.com:5000/team/model:latest"),
])
def test_normalize_like_ollama(name: str, short: str) -> None:
    assert normalize(name) == short


def test_model_names_resolve_aliases_only() -> None:
    names = ModelNames("smollm2:135m", ["tiny", "smollm2:135m"])
    assert names.all == ["smollm2:135m", "tiny:latest"]
    assert names.resolve("smollm2:135m") == "smollm2:135m"
    assert names.resolve("tiny") == "tiny:latest"
    assert names.resolve("smollm2") is None and names.resolve("") is None


def test_options_defaults_and_mapping() -> None:
    assert sampling_fields(None) == OLLAMA_DEFAULTS
    fields = sampling_fields({"temperature": 0, "seed": 7, "num_predict": 5, "stop": "\n",
                              "num_ctx": 8192, "top_k": 1.0, "mirostat": None})
    assert fields["temperature"] == 0.0 and fields["seed"] == 7 and fields["n_predict"] == 5
    assert fields["stop"] == ["\n"] and fields["top_k"] == 1 and "num_ctx" not in fields
    assert "seed" not in sampling_fields({"seed": -1})
    assert sampling_fields({"num_predict": -2})["n_predict"] == -1


@pytest.mark.parametrize("options", [{"temperature": "hot"}, {"top_k": 1.5},
                                     {"stop": [1]}, {"seed": True}, ["temperature"]])
def test_options_rejects_wrong_types(options: object) -> None:
    with pytest.raises(ApiError) as raised:
        sampling_fields(options)  # type: ignore[arg-type]
    assert raised.value.status == 400


def test_tool_specs_drop_nulls_and_schema_lists_each_tool() -> None:
    specs = tools.parse_tools([WEATHER])
    assert specs[0].parameters == {"type": "object", "properties": {"city": {"type": "string"}},
                                   "required": ["city"]}
    schema = tools.decision_schema(specs)
    assert len(schema["anyOf"]) == 2
    call = schema["anyOf"][1]["properties"]["tool_call"]["properties"]
    assert call["name"] == {"const": "get_weather"}
    assert tools.decision_schema(specs, loose=True)["anyOf"][1]["properties"]["tool_call"][
        "properties"]["arguments"] == {"type": "object"}
    with pytest.raises(ValueError):
        tools.parse_tools([{"type": "function", "function": {}}])


def test_parse_decision() -> None:
    specs = tools.parse_tools([WEATHER])
    calls = tools.parse_decision('{"tool_call": {"name": "get_weather", '
                                 '"arguments": {"city": "Paris"}}}', specs)
    assert calls[0]["function"]["name"] == "get_weather"
    assert calls[0]["function"]["arguments"] == {"city": "Paris"}
    assert tools.parse_decision('{"response": ""}', specs) == []
    assert tools.parse_decision('{"tool_call": {"name": "other", "arguments": {}}}', specs) == []
    assert tools.parse_decision("not json", specs) == []


def test_history_renders_tool_traffic() -> None:
    history = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"id": "c1", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
        {"role": "tool", "content": "Sunny", "tool_call_id": "c1"},
    ]
    as_text = tools.render_history(history, json_replies=False)
    assert as_text[1] == {"role": "assistant",
                          "content": 'I called get_weather({"city": "Paris"}).'}
    assert as_text[2] == {"role": "user", "content": "The get_weather tool returned: Sunny"}
    as_json = tools.render_history(history, json_replies=True)
    assert json.loads(as_json[1]["content"])["tool_call"]["name"] == "get_weather"


def test_plan_chat_modes() -> None:
    user = {"role": "user", "content": "hi"}
    text = plan_chat({"messages": [user], "format": "json"}, "m")
    assert text.mode == "text" and text.stream
    assert text.body()["response_format"] == {"type": "json_object"}
    with_tools = plan_chat({"messages": [{"role": "system", "content": "Be brief."}, user],
                            "tools": [WEATHER], "stream": False,
                            "options": {"num_predict": 8}}, "m")
    decision = with_tools.decision_body()
    assert with_tools.mode == "tools" and not with_tools.stream
    assert decision["messages"][0]["content"].startswith("Be brief.")
    assert "get_weather" in decision["messages"][0]["content"]
    assert decision["n_predict"] == TOOL_REPLY_LIMIT and "json_schema" in decision
    assert with_tools.body()["n_predict"] == 8  # the answer keeps the caller's limit
    answering = plan_chat({"messages": [user, {"role": "tool", "content": "x"}],
                           "tools": [WEATHER]}, "m")
    assert answering.mode == "text"
    assert plan_chat({"messages": []}, "m").empty


@pytest.mark.parametrize("body", [{"messages": "hi"}, {"messages": [{"content": "x"}]},
                                  {"messages": [], "format": "xml"},
                                  {"messages": [], "think": True}])
def test_plan_chat_rejects(body: dict) -> None:
    with pytest.raises(ApiError) as raised:
        plan_chat(body, "m")
    assert raised.value.status == 400


def test_plan_generate() -> None:
    plan = plan_generate({"prompt": "hi", "system": "Be brief."}, "m")
    assert [m["role"] for m in plan.messages] == ["system", "user"]
    raw = plan_generate({"prompt": "1, 2,", "raw": True}, "m")
    assert raw.mode == "raw" and raw.body()["prompt"] == "1, 2,"
    assert plan_generate({}, "m").empty


def test_drop_oldest_turn_keeps_system_and_last() -> None:
    plan = plan_chat({"messages": [{"role": "system", "content": "s"},
                                   {"role": "user", "content": "a"},
                                   {"role": "user", "content": "b"}]}, "m")
    assert plan.drop_oldest_turn()
    assert [m["content"] for m in plan.messages] == ["s", "b"]
    assert not plan.drop_oldest_turn()


def test_merge_chunks() -> None:
    chunks = [{"message": {"role": "assistant", "content": "Hel"}, "done": False},
              {"message": {"role": "assistant", "content": "lo"}, "done": False},
              {"message": {"role": "assistant", "content": ""}, "done": True, "eval_count": 2}]
    assert merge(chunks)["message"]["content"] == "Hello"
    assert merge(chunks)["eval_count"] == 2
    assert merge([{"response": "a"}, {"response": "b", "done": True}])["response"] == "ab"


def _gguf_string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def test_read_gguf(tmp_path: Path) -> None:
    path = tmp_path / "tiny.gguf"
    header = b"GGUF" + struct.pack("<IQQ", 3, 1, 3)
    kvs = (_gguf_string("general.architecture") + struct.pack("<I", 8) + _gguf_string("llama")
           + _gguf_string("general.file_type") + struct.pack("<II", 4, 3)
           + _gguf_string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 100)
           + b"".join(_gguf_string(f"t{i}") for i in range(100)))
    tensor = _gguf_string("w") + struct.pack("<IQQIQ", 2, 4, 8, 0, 0)
    path.write_bytes(header + kvs + tensor)
    info = read_gguf(path)
    assert info.architecture == "llama" and info.quantization == "Q4_1"
    assert info.metadata["tokenizer.ggml.tokens"] is None and info.parameter_count == 32
    (tmp_path / "bad.gguf").write_bytes(b"nope")
    with pytest.raises(GgufError):
        read_gguf(tmp_path / "bad.gguf")


def test_parameter_size_labels() -> None:
    assert human_parameter_size(134_515_008) == "134.52M"
    assert human_parameter_size(1_700_000_000) == "1.7B"


def _tool(name: str, description: str) -> dict:
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}}}}


def test_small_tool_sets_keep_the_full_description() -> None:
    prompt = tools.system_prompt(tools.parse_tools([WEATHER]), "Be brief.")
    assert '- get_weather: Weather for a city. Parameters: {"city": {"type": "string"}}' in prompt


def test_large_tool_sets_are_described_compactly_but_constrained_fully() -> None:
    long = "List files in the workspace. " + "Details nobody needs to read. " * 200
    specs = tools.parse_tools([_tool(f"tool{i}", long) for i in range(3)])
    prompt = tools.system_prompt(specs, "Be brief.")
    assert "- tool0(path): List files in the workspace." in prompt
    assert "Details" not in prompt
    schema = tools.decision_schema(specs)
    arguments = schema["anyOf"][1]["properties"]["tool_call"]["properties"]["arguments"]
    assert arguments == specs[0].parameters



def test_the_decision_prompt_starts_with_the_answers_system_prompt() -> None:
    """Same leading text, so the answer can reuse the decision's evaluated prefix."""
    base = "\n## Be brief.\n\nAnswer in one line.  \n"
    prompt = tools.system_prompt(tools.parse_tools([WEATHER]), base)
    assert prompt.startswith(base.rstrip() + "\nTools you can call:")
