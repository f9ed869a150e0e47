"""OllamaChatModel against a tiny in-process Ollama-compatible HTTP endpoint."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reference.runner.errors import LlmError
from reference.runner.llm import OllamaChatModel

pytestmark = pytest.mark.anyio

MODEL = "smollm2:135m"


class _Handler(BaseHTTPRequestHandler):
    requests: list[dict] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        if body["model"] != MODEL:
            payload = json.dumps({"error": f"model '{body['model']}' not found"}).encode()
            self.send_response(404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.end_headers()
        lines: list[dict] = [
            {"model": MODEL, "message": {"role": "assistant", "content": piece}, "done": False}
            for piece in ("Hello", " there", "!")
        ]
        if body["messages"][-1]["content"] == "explode":
            lines.append({"error": "backend exploded"})
        elif body["messages"][-1]["content"] == "use a tool":
            lines.append({"model": MODEL, "message": {"role": "assistant", "content": "",
                          "tool_calls": [{"function": {"name": "echo",
                                                       "arguments": {"text": "hi"}}}]},
                          "done": False})
        lines.append({"model": MODEL, "message": {"role": "assistant", "content": ""},
                      "done": True, "done_reason": "stop",
                      "prompt_eval_count": 11, "eval_count": 3})
        for line in lines:
            self.wfile.write((json.dumps(line) + "\n").encode())
            self.wfile.flush()


@pytest.fixture
def ollama_url() -> Iterator[str]:
    _Handler.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def _collect(model: OllamaChatModel, name: str, text: str = "hi", tools=()) -> list:
    return [c async for c in model.stream_chat(
        name, [{"role": "user", "content": text}], tools)]


async def test_streams_text_and_usage_with_options(ollama_url: str) -> None:
    model = OllamaChatModel(ollama_url, temperature=0.0, max_tokens=32)
    chunks = await _collect(model, MODEL)
    assert "".join(c.text for c in chunks) == "Hello there!"
    assert chunks[-1].done
    assert (chunks[-1].input_tokens, chunks[-1].output_tokens) == (11, 3)
    sent = _Handler.requests[0]
    assert sent["stream"] is True
    assert sent["options"] == {"temperature": 0.0, "num_predict": 32}
    assert "tools" not in sent or not sent["tools"]


async def test_tool_calls_are_parsed(ollama_url: str) -> None:
    tool = {"type": "function", "function": {"name": "echo", "description": "",
                                             "parameters": {"type": "object"}}}
    chunks = await _collect(OllamaChatModel(ollama_url), MODEL, "use a tool", [tool])
    calls = [call for c in chunks for call in c.tool_calls]
    assert [(c.name, c.arguments) for c in calls] == [("echo", {"text": "hi"})]
    assert _Handler.requests[0]["tools"][0]["function"]["name"] == "echo"


async def test_unknown_model_names_model_and_url(ollama_url: str) -> None:
    with pytest.raises(LlmError) as info:
        await _collect(OllamaChatModel(ollama_url), "nope:1b")
    assert "model 'nope:1b' not found" in info.value.description
    assert ollama_url in info.value.description
    assert "404" in info.value.description


async def test_error_line_mid_stream(ollama_url: str) -> None:
    with pytest.raises(LlmError, match="backend exploded"):
        await _collect(OllamaChatModel(ollama_url), MODEL, "explode")


async def test_unreachable_endpoint_names_the_url() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(LlmError) as info:
        await _collect(OllamaChatModel(url), MODEL)
    assert f"LLM endpoint {url} is unreachable" in info.value.description
    assert "smollm2:135m" in info.value.description
