"""The endpoint through the official ``ollama`` client (and raw HTTP where clients can't)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import ollama
import pytest

from tests.reference.llm.llm_server_proc import MODEL, LlmServer

GREEDY = {"temperature": 0, "num_predict": 24}
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather for a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "The city"}},
            "required": ["city"],
        },
    },
}


@pytest.fixture(scope="module")
def client(llm_server: LlmServer) -> ollama.Client:
    return ollama.Client(host=llm_server.url, timeout=60)


def _post(url: str, data: bytes) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_root_version_and_ps(llm_server: LlmServer, client: ollama.Client) -> None:
    with urllib.request.urlopen(llm_server.url + "/", timeout=5) as response:
        assert response.read() == b"Ollama is running"
    with urllib.request.urlopen(llm_server.url + "/api/version", timeout=5) as response:
        assert json.loads(response.read())["version"]
    running = client.ps().models
    assert [m.model for m in running] == [MODEL]
    assert running[0].context_length and running[0].expires_at


def test_list_and_show(client: ollama.Client) -> None:
    listed = client.list().models
    assert [m.model for m in listed] == [MODEL]
    assert listed[0].size and listed[0].digest and listed[0].details.family == "llama"
    shown = client.show(MODEL)
    assert shown.modelinfo["general.architecture"] == "llama"
    assert {"completion", "tools"} <= set(shown.capabilities or [])
    assert "im_start" in (shown.template or "")
    assert shown.details.quantization_level == "Q4_1"
    assert shown.license and shown.modelfile and shown.parameters


def test_chat_non_streaming(client: ollama.Client) -> None:
    response = client.chat(MODEL, messages=[{"role": "user", "content": "Say hello"}],
                           options=GREEDY)
    assert response.message.role == "assistant" and response.message.content.strip()
    assert response.done and response.done_reason in ("stop", "length")
    assert response.prompt_eval_count > 0 and response.eval_count > 0
    assert response.total_duration >= response.eval_duration > 0
    assert response.created_at.endswith("Z")


def test_chat_streaming(client: ollama.Client) -> None:
    chunks = list(client.chat(MODEL, messages=[{"role": "user", "content": "Say hello"}],
                              options=GREEDY, stream=True))
    assert len(chunks) > 2
    assert not any(c.done for c in chunks[:-1]) and chunks[-1].done
    assert "".join(c.message.content for c in chunks).strip()
    assert chunks[-1].eval_count == len(chunks) - 1 or chunks[-1].eval_count > 0


def test_generate_streaming_and_not(client: ollama.Client) -> None:
    whole = client.generate(MODEL, prompt="Say hello", options=GREEDY)
    parts = list(client.generate(MODEL, prompt="Say hello", options=GREEDY, stream=True))
    assert whole.response.strip() and whole.done
    assert "".join(p.response for p in parts) == whole.response  # temperature 0: same text
    assert parts[-1].done and parts[-1].done_reason == whole.done_reason


def test_seeded_sampling_is_deterministic(client: ollama.Client) -> None:
    options = {"temperature": 0.8, "seed": 42, "num_predict": 16}
    messages = [{"role": "user", "content": "Tell me a fact about cats."}]
    first = client.chat(MODEL, messages=messages, options=options).message.content
    second = client.chat(MODEL, messages=messages, options=options).message.content
    assert first and first == second


def test_num_predict_and_stop(client: ollama.Client) -> None:
    response = client.generate(MODEL, prompt="Count from one to twenty.",
                               options={"temperature": 0, "num_predict": 3})
    assert response.done_reason == "length" and response.eval_count == 3


def test_tool_call(client: ollama.Client) -> None:
    response = client.chat(
        MODEL, tools=[WEATHER_TOOL], options={"temperature": 0},
        messages=[{"role": "user", "content": "What is the weather in Paris? Use the tool."}])
    calls = response.message.tool_calls or []
    assert [c.function.name for c in calls] == ["get_weather"]
    assert isinstance(calls[0].function.arguments, dict)
    assert "paris" in str(calls[0].function.arguments.get("city", "")).lower()


def test_answer_after_tool_result(client: ollama.Client) -> None:
    call = {"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    response = client.chat(MODEL, tools=[WEATHER_TOOL], options={"temperature": 0},
                           messages=[
        {"role": "user", "content": "What is the weather in Paris? Use the tool."},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "content": "Sunny, 22 degrees Celsius", "tool_name": "get_weather"},
    ])
    assert not response.message.tool_calls
    assert response.message.content.strip()


def test_json_format(client: ollama.Client) -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"},
                                               "age": {"type": "integer"}},
              "required": ["name", "age"]}
    response = client.chat(MODEL, format=schema, options={"temperature": 0, "num_predict": 60},
                           messages=[{"role": "user", "content": "Bob is 30. Give JSON."}])
    document = json.loads(response.message.content)
    assert isinstance(document["name"], str) and isinstance(document["age"], int)


def test_empty_messages_load_the_model(client: ollama.Client) -> None:
    response = client.chat(MODEL, messages=[])
    assert response.done and response.done_reason == "load"


def test_unknown_model_is_404(client: ollama.Client) -> None:
    with pytest.raises(ollama.ResponseError) as raised:
        client.chat("no-such-model:1b", messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 404
    assert 'model "no-such-model:1b" not found' in raised.value.error
    with pytest.raises(ollama.ResponseError) as raised:
        client.show("smollm2")  # means smollm2:latest, as in Ollama
    assert raised.value.status_code == 404


def test_malformed_json_is_400(llm_server: LlmServer) -> None:
    status, body = _post(llm_server.url + "/api/chat", b"{not json")
    assert status == 400 and body["error"]
    status, body = _post(llm_server.url + "/api/chat",
                         json.dumps({"model": MODEL, "options": {"temperature": "hot"}}).encode())
    assert status == 400 and "temperature" in body["error"]


def test_pull(client: ollama.Client) -> None:
    statuses = [p.status for p in client.pull(MODEL, stream=True)]
    assert statuses[0] == "pulling manifest" and statuses[-1] == "success"
    with pytest.raises(ollama.ResponseError):
        client.pull("llama3:8b")


def test_embed(client: ollama.Client) -> None:
    response = client.embed(MODEL, input=["The sky is blue.", "Grass is green."])
    assert len(response.embeddings) == 2
    assert len(response.embeddings[0]) == len(response.embeddings[1]) > 100
    assert abs(sum(v * v for v in response.embeddings[0]) - 1.0) < 1e-3
    legacy = client.embeddings(MODEL, prompt="The sky is blue.")
    assert len(legacy.embedding) == len(response.embeddings[0])


def test_concurrent_requests_queue(client: ollama.Client) -> None:
    def ask(n: int) -> str:
        return client.chat(MODEL, messages=[{"role": "user", "content": f"Say the number {n}"}],
                           options={"temperature": 0, "num_predict": 8}).message.content

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(ask, range(4)))
    assert all(answer.strip() for answer in answers)


def test_loop_stays_responsive_and_a_dropped_stream_stops(llm_server: LlmServer,
                                                          client: ollama.Client) -> None:
    stream = client.generate(MODEL, prompt="Write a very long story.", stream=True,
                             options={"temperature": 0, "num_predict": 4000})
    first = next(stream)
    assert not first.done
    started = time.monotonic()
    with urllib.request.urlopen(llm_server.url + "/api/version", timeout=5) as response:
        assert response.status == 200
    assert time.monotonic() - started < 2  # answered while the model is generating
    stream.close()  # the client hangs up: the generation must stop and free the slot
    after = client.generate(MODEL, prompt="hi", options={"num_predict": 2})
    assert after.done and after.load_duration < 15e9  # not stuck behind 4000 tokens
    assert "client went away" in llm_server.log.read_text()
