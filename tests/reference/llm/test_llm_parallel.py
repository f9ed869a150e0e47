"""Parallel slots through the official client: answers are the same alone or in company,
two requests generate at once, a third waits for a free slot, one slot answers the same."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import ollama
import pytest

from tests.reference.llm.llm_server_proc import MODEL, LlmServer, start_server

pytestmark = pytest.mark.slow  # two model servers, a dozen generations

PROMPTS = ["Say hello", "What is the capital of France?", "Name three colours.",
           "Write one sentence about the sea."]
GREEDY = {"temperature": 0, "num_predict": 24}
SEEDED = {"temperature": 0.8, "seed": 42, "num_predict": 24}
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]}}}


@pytest.fixture(scope="module")
def two_slots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlmServer]:
    server = start_server(tmp_path_factory.mktemp("llm2") / "llm.log", "--parallel", "2")
    try:
        yield server
    finally:
        server.stop()


def _answer(url: str, prompt: str, options: dict[str, Any], stream: bool = False) -> str:
    client = ollama.Client(host=url, timeout=120)
    messages = [{"role": "user", "content": prompt}]
    if stream:
        return "".join(c.message.content for c in client.chat(MODEL, messages=messages,
                                                              options=options, stream=True))
    return client.chat(MODEL, messages=messages, options=options).message.content


def _tool_call(url: str) -> list[tuple[str, dict[str, Any]]]:
    response = ollama.Client(host=url, timeout=120).chat(
        MODEL, tools=[WEATHER_TOOL], options={"temperature": 0},
        messages=[{"role": "user", "content": "What is the weather in Paris? Use the tool."}])
    return [(c.function.name, dict(c.function.arguments)) for c in response.message.tool_calls
            or []]


@pytest.mark.parametrize("options", [GREEDY, SEEDED], ids=["greedy", "seeded"])
def test_same_answer_alone_and_among_four_concurrent(two_slots: LlmServer,
                                                     options: dict[str, Any]) -> None:
    alone = {prompt: _answer(two_slots.url, prompt, options) for prompt in PROMPTS}
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(lambda p: _answer(two_slots.url, p, options, stream=True),
                                 PROMPTS * 2))
    assert all(alone.values())
    assert together == [alone[prompt] for prompt in PROMPTS * 2]


def test_one_slot_and_two_slots_answer_the_same(two_slots: LlmServer, tmp_path: Path) -> None:
    one = start_server(tmp_path / "llm1.log", "--parallel", "1")
    try:
        for prompt in PROMPTS[:2]:
            assert _answer(one.url, prompt, GREEDY) == _answer(two_slots.url, prompt, GREEDY)
        assert _tool_call(one.url) == _tool_call(two_slots.url) != []
    finally:
        one.stop()
    assert "parallel=1" in one.log.read_text() and "parallel=2" in two_slots.log.read_text()


class _Timeline:
    """When each streamed generation produced its first chunk and its last one."""

    def __init__(self) -> None:
        self.first: dict[int, float] = {}
        self.near_end: dict[int, float] = {}  # 8 tokens before the end
        self.reasons: dict[int, str | None] = {}
        self.started = {n: threading.Event() for n in range(3)}

    def run(self, url: str, n: int) -> None:
        client = ollama.Client(host=url, timeout=120)
        arrivals = []
        for chunk in client.generate(MODEL, prompt="Write a long story about a robot.",
                                     stream=True, options={"temperature": 0, "num_predict": 48}):
            arrivals.append(time.monotonic())
            self.started[n].set()
            if chunk.done:
                self.reasons[n] = chunk.done_reason
        self.first[n], self.near_end[n] = arrivals[0], arrivals[-9]


def test_two_generate_at_once_and_a_third_waits_for_a_slot(two_slots: LlmServer) -> None:
    timeline = _Timeline()
    with ThreadPoolExecutor(3) as pool:
        running = [pool.submit(timeline.run, two_slots.url, n) for n in (0, 1)]
        assert timeline.started[0].wait(60) and timeline.started[1].wait(60)
        waiting = pool.submit(timeline.run, two_slots.url, 2)
        for future in [*running, waiting]:
            future.result(120)
    assert timeline.reasons == {0: "length", 1: "length", 2: "length"}  # 48 tokens each
    # the first two were both streaming well before either ended: they ran side by side
    earlier_end = min(timeline.near_end[0], timeline.near_end[1])
    assert max(timeline.first[0], timeline.first[1]) < earlier_end
    # the third started only when one of them was (at most 8 tokens from) done
    assert timeline.first[2] > earlier_end
