"""langchain-ollama's ChatOllama against the endpoint, unchanged."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool
from langchain_ollama import ChatOllama

from tests.reference.llm.llm_server_proc import MODEL, LlmServer


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"Sunny, 22 degrees Celsius in {city}"


@pytest.fixture(scope="module")
def chat(llm_server: LlmServer) -> ChatOllama:
    return ChatOllama(model=MODEL, base_url=llm_server.url, temperature=0, num_predict=32,
                      validate_model_on_init=True)


def test_model_name_check(llm_server: LlmServer) -> None:
    ChatOllama(model="smollm2", base_url=llm_server.url, validate_model_on_init=True)
    with pytest.raises(ValueError, match="not found"):
        ChatOllama(model="llama3", base_url=llm_server.url, validate_model_on_init=True)


def test_invoke(chat: ChatOllama) -> None:
    answer = chat.invoke([HumanMessage("Say hello")])
    assert isinstance(answer, AIMessage) and str(answer.content).strip()
    assert answer.usage_metadata and answer.usage_metadata["output_tokens"] > 0
    assert answer.response_metadata["done_reason"] in ("stop", "length")


def test_stream(chat: ChatOllama) -> None:
    chunks = list(chat.stream("Say hello"))
    assert len(chunks) > 2
    assert "".join(str(c.content) for c in chunks).strip()


def test_bind_tools_round_trip(chat: ChatOllama) -> None:
    with_tools = chat.bind_tools([get_weather])
    question = HumanMessage("What is the weather in Paris? Use the tool.")
    call_message = with_tools.invoke([question])
    assert [c["name"] for c in call_message.tool_calls] == ["get_weather"]
    call = call_message.tool_calls[0]
    assert "paris" in str(call["args"].get("city", "")).lower()
    result = ToolMessage(get_weather.invoke(call["args"]), tool_call_id=call["id"])
    final = with_tools.invoke([question, call_message, result])
    assert not final.tool_calls and str(final.content).strip()


def test_bind_tools_streaming(chat: ChatOllama) -> None:
    with_tools = chat.bind_tools([get_weather])
    chunks = list(with_tools.stream("What is the weather in Paris? Use the tool."))
    calls = [c for chunk in chunks for c in chunk.tool_calls]
    assert [c["name"] for c in calls] == ["get_weather"]
