"""The Ollama API's behaviour, independent of HTTP: plans run on the model, chunks come out.

Every generation yields Ollama chunks; the last one has ``done: true`` and the statistics.
The HTTP layer streams them as NDJSON or merges them into one response.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from reference.llm import conversation, tools
from reference.llm.conversation import Plan
from reference.llm.errors import ApiError
from reference.llm.model import LlamaEngine
from reference.llm.naming import ModelNames, not_found_message
from reference.llm.schemas import ModelCard, Stats, done_reason, rfc3339
from reference.llm.slot import InferenceSlots

log = logging.getLogger(__name__)
OVERFLOW = "exceed_context_size_error"


def _error(payload: Mapping[str, Any]) -> ApiError:
    error = payload.get("error")
    if isinstance(error, Mapping):
        return ApiError(int(error.get("code", 500)), str(error.get("message", error)))
    return ApiError(500, str(error))


class _Overflow(Exception):
    """The prompt does not fit the context; the plan can be shortened and retried."""


class OllamaService:
    """One served model: name resolution, generation, embeddings, model metadata."""

    def __init__(self, engine: LlamaEngine, card: ModelCard, names: ModelNames) -> None:
        self.engine = engine
        self.card = card
        self.names = names
        self.slot = InferenceSlots(engine.settings.parallel)

    def resolve(self, requested: Any) -> str:
        """The requested model name (echoed back) if served; else Ollama's 404."""
        if not isinstance(requested, str) or not requested.strip():
            raise ApiError(400, "model is required")
        if self.names.resolve(requested) is None:
            raise ApiError(404, not_found_message(requested))
        return requested

    def plan(self, kind: str, body: Mapping[str, Any]) -> Plan:
        """Validate a chat/generate request before any response is sent."""
        model = self.resolve(body.get("model"))
        if kind == "chat":
            return conversation.plan_chat(body, model)
        return conversation.plan_generate(body, model)

    def _chunk(self, plan: Plan, content: str, tool_calls: list[dict[str, Any]] | None = None
               ) -> dict[str, Any]:
        chunk: dict[str, Any] = {"model": plan.model, "created_at": rfc3339()}
        if plan.kind == "chat":
            message: dict[str, Any] = {"role": "assistant", "content": content}
            if tool_calls:
                message["tool_calls"] = tool_calls
            chunk["message"] = message
        else:
            chunk["response"] = content
        chunk["done"] = False
        return chunk

    async def generate(self, plan: Plan) -> AsyncIterator[dict[str, Any]]:
        """Run a plan; yield Ollama chunks ending with the ``done`` one."""
        stats = Stats()
        if plan.empty:
            yield {**self._chunk(plan, ""), "done": True, "done_reason": "load"}
            return
        while True:
            try:
                reply = self._tool_reply if plan.mode == "tools" else self._text_reply
                async with contextlib.aclosing(reply(plan, stats)) as chunks:
                    async for chunk in chunks:
                        yield chunk
                return
            except _Overflow as overflow:
                if not plan.drop_oldest_turn():
                    raise ApiError(400, str(overflow)) from None
                log.info("prompt exceeds the context; dropped the oldest message and retrying")

    async def _text_reply(self, plan: Plan, stats: Stats) -> AsyncIterator[dict[str, Any]]:
        handler = self.engine.complete if plan.mode == "raw" else self.engine.chat
        body = plan.body()
        finish: str | None = None
        produced = False

        def call(on_chunk: Callable[[dict[str, Any]], bool]) -> Any:
            stats.mark_loaded()
            return handler(body, on_chunk)

        async with contextlib.aclosing(self.slot.stream(call)) as stream:
            async for raw in stream:
                if "error" in raw:
                    error = _error(raw)
                    if not produced and raw["error"].get("type") == OVERFLOW:
                        raise _Overflow(error.message)
                    raise error
                choice = (raw.get("choices") or [{}])[0]
                delta = choice.get("delta") or {}
                text = delta.get("content") if plan.mode != "raw" else choice.get("text")
                if text:
                    produced = True
                    yield self._chunk(plan, text)
                finish = choice.get("finish_reason") or finish
                stats.add_timings(raw.get("timings"))
        yield {**self._chunk(plan, ""), **stats.final(done_reason(finish))}

    async def _tool_reply(self, plan: Plan, stats: Stats) -> AsyncIterator[dict[str, Any]]:
        """Decide between a tool call and an answer; answer as text if no tool is called."""
        response = await self._decide(plan, stats)
        calls = tools.parse_decision(response["choices"][0]["message"].get("content") or "",
                                     plan.specs)
        stats.add_timings(response.get("timings"))
        if not calls:
            async with contextlib.aclosing(self._text_reply(plan, stats)) as chunks:
                async for chunk in chunks:
                    yield chunk
            return
        yield self._chunk(plan, "", calls)
        yield {**self._chunk(plan, ""), **stats.final("stop")}

    async def _decide(self, plan: Plan, stats: Stats) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            stats.mark_loaded()
            try:
                return self.engine.chat(plan.decision_body())
            except ValueError as error:  # a tool schema llama.cpp cannot turn into a grammar
                log.warning("tool schema rejected (%s); constraining to any arguments", error)
                plan.loose_arguments = True
                return self.engine.chat(plan.decision_body())

        response = await self.slot.run(call)
        if "error" in response:
            if response["error"].get("type") == OVERFLOW:
                raise _Overflow(response["error"].get("message", "context exceeded"))
            raise _error(response)
        return response

    async def embed(self, inputs: list[str], dimensions: int | None = None) -> dict[str, Any]:
        """Embeddings of ``inputs`` plus Ollama's statistics."""
        stats = Stats()
        if not inputs:
            return {"embeddings": [], **_embed_stats(stats, 0)}
        response = await self.slot.run(lambda: self.engine.embed(inputs))
        if "error" in response:
            raise _error(response)
        vectors = [item["embedding"] for item in sorted(response["data"],
                                                        key=lambda d: d.get("index", 0))]
        if dimensions:
            vectors = [_normalise(vector[:dimensions]) for vector in vectors]
        tokens = int((response.get("usage") or {}).get("prompt_tokens", 0))
        return {"embeddings": vectors, **_embed_stats(stats, tokens)}


def _embed_stats(stats: Stats, tokens: int) -> dict[str, Any]:
    final = stats.final("stop")
    return {"total_duration": final["total_duration"], "load_duration": 0,
            "prompt_eval_count": tokens}


def _normalise(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]


def merge(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """Non-streaming response: the final chunk carrying all content and tool calls."""
    final = dict(chunks[-1])
    if "message" in final:
        message = dict(final["message"])
        message["content"] = "".join(c["message"].get("content", "") for c in chunks)
        calls = [call for c in chunks for call in c["message"].get("tool_calls") or []]
        if calls:
            message["tool_calls"] = calls
        final["message"] = message
    else:
        final["response"] = "".join(c.get("response", "") for c in chunks)
    return final
