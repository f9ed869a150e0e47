"""Ollama request options -> llama.cpp sampling fields, with Ollama's defaults.

Runtime options map one to one. Load-time options (``num_ctx``, ``num_thread``, ``num_gpu``,
...) cannot change per request on a loaded model; they are accepted and ignored, as the
context size is fixed by the server's ``--num-ctx`` flag.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from reference.llm.errors import ApiError

log = logging.getLogger(__name__)

# Ollama's documented defaults (api/types.go DefaultOptions).
OLLAMA_DEFAULTS: dict[str, Any] = {
    "temperature": 0.8,
    "top_k": 40,
    "top_p": 0.9,
    "min_p": 0.0,
    "typical_p": 1.0,
    "repeat_penalty": 1.1,
    "repeat_last_n": 64,
    "presence_penalty": 0.0,
    "frequency_penalty": 0.0,
}

# Ollama option -> (llama.cpp field, expected type).
_RUNTIME: dict[str, tuple[str, type]] = {
    "temperature": ("temperature", float),
    "top_k": ("top_k", int),
    "top_p": ("top_p", float),
    "min_p": ("min_p", float),
    "typical_p": ("typical_p", float),
    "repeat_penalty": ("repeat_penalty", float),
    "repeat_last_n": ("repeat_last_n", int),
    "presence_penalty": ("presence_penalty", float),
    "frequency_penalty": ("frequency_penalty", float),
    "mirostat": ("mirostat", int),
    "mirostat_tau": ("mirostat_tau", float),
    "mirostat_eta": ("mirostat_eta", float),
    "num_keep": ("n_keep", int),
    "seed": ("seed", int),
    "num_predict": ("n_predict", int),
}

_LOAD_TIME = {
    "numa", "num_ctx", "num_batch", "num_gpu", "main_gpu", "low_vram", "f16_kv", "logits_all",
    "vocab_only", "use_mmap", "use_mlock", "embedding_only", "num_thread", "penalize_newline",
    "tfs_z",
}


def _coerce(name: str, value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f'option "{name}" must be of type {kind.__name__}')
    if kind is int:
        if isinstance(value, float) and not value.is_integer():
            raise ApiError(400, f'option "{name}" must be of type int')
        return int(value)
    return float(value)


def sampling_fields(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """llama.cpp request fields for Ollama ``options`` (None values mean "default")."""
    if options is not None and not isinstance(options, Mapping):
        raise ApiError(400, "options must be an object")
    fields: dict[str, Any] = dict(OLLAMA_DEFAULTS)
    for name, value in (options or {}).items():
        if value is None:
            continue
        if name == "stop":
            stops = [value] if isinstance(value, str) else value
            if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
                raise ApiError(400, 'option "stop" must be a list of strings')
            fields["stop"] = [s for s in stops if s]
        elif name in _RUNTIME:
            target, kind = _RUNTIME[name]
            fields[target] = _coerce(name, value, kind)
        elif name in _LOAD_TIME:
            log.debug("ignoring load-time option %s=%r", name, value)
        else:
            log.warning("invalid option provided: %s", name)
    if fields.get("seed", 0) < 0:
        del fields["seed"]  # negative seed: random, llama.cpp's default
    if fields.get("n_predict", -1) < -1:
        fields["n_predict"] = -1  # -2 (fill the context) behaves like -1 here
    return fields
