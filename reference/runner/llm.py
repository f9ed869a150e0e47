"""The LLM boundary: a streaming chat interface and its Ollama implementation."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
import ollama

from .errors import LlmError


@dataclass(frozen=True)
class ToolRequest:
    """A tool call the model asked for."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LlmChunk:
    """One streamed piece of the model's answer; the last one has ``done`` and token counts."""

    text: str = ""
    tool_calls: tuple[ToolRequest, ...] = ()
    done: bool = False
    input_tokens: int = 0
    output_tokens: int = 0


class ChatModel(Protocol):
    """Streams a chat completion."""

    def stream_chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] = (),
    ) -> AsyncIterator[LlmChunk]: ...


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str) and raw.strip():
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            return {"input": raw}
        return parsed if isinstance(parsed, dict) else {"input": parsed}
    return {}


def _chunk(part: ollama.ChatResponse) -> LlmChunk:
    message = part.message
    calls = tuple(
        ToolRequest(name=call.function.name, arguments=_arguments(call.function.arguments))
        for call in (message.tool_calls or [])
    )
    return LlmChunk(
        text=message.content or "",
        tool_calls=calls,
        done=bool(part.done),
        input_tokens=part.prompt_eval_count or 0,
        output_tokens=part.eval_count or 0,
    )


class OllamaChatModel:
    """:class:`ChatModel` over ``ollama.AsyncClient`` (``/api/chat`` with ``stream=True``)."""

    def __init__(
        self,
        base_url: str,
        *,
        temperature: float = 0.0,
        max_tokens: int = 256,
        timeout_s: float = 120.0,
    ) -> None:
        self.base_url = base_url
        self._options = {"temperature": temperature, "num_predict": max_tokens}
        self._timeout = httpx.Timeout(timeout_s, connect=10.0)

    async def stream_chat(
        self,
        model: str,
        messages: Sequence[Mapping[str, Any]],
        tools: Sequence[Mapping[str, Any]] = (),
    ) -> AsyncIterator[LlmChunk]:
        client = ollama.AsyncClient(host=self.base_url, timeout=self._timeout)
        try:
            stream = await client.chat(
                model=model,
                messages=list(messages),
                tools=list(tools) or None,
                stream=True,
                options=self._options,
            )
            async for part in stream:
                yield _chunk(part)
        except ollama.ResponseError as exc:
            raise self._response_error(model, exc) from exc
        except (ConnectionError, httpx.ConnectError) as exc:
            raise LlmError(
                f"LLM endpoint {self.base_url} is unreachable (model '{model}'): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        except httpx.TimeoutException as exc:
            raise LlmError(
                f"LLM endpoint {self.base_url} timed out (model '{model}'): "
                f"{type(exc).__name__}"
            ) from exc
        except httpx.HTTPError as exc:
            raise LlmError(
                f"LLM endpoint {self.base_url} failed (model '{model}'): "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        finally:
            await client.close()

    def _response_error(self, model: str, exc: ollama.ResponseError) -> LlmError:
        if exc.status_code == 404:
            return LlmError(
                f"model '{model}' not found at LLM endpoint {self.base_url} "
                f"(HTTP 404: {exc.error})"
            )
        code = f"HTTP {exc.status_code}: " if exc.status_code > 0 else ""
        return LlmError(
            f"LLM endpoint {self.base_url} returned an error for model '{model}' "
            f"({code}{exc.error})"
        )
