"""Runner settings: one typed, validated dataclass read from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

TASK_QUEUE = "agent_execution_runner"
ACTIVITY_NAME = "ExecuteGraphton"
THREAD_ACTIVITY_NAME = "EnsureThread"
SUPPORTED_PROVIDERS = ("ollama",)


class ConfigError(ValueError):
    """Raised when the environment holds an invalid runner setting (all problems listed)."""


@dataclass(frozen=True)
class RunnerConfig:
    """Everything the runner needs, with the documented defaults."""

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    backend_endpoint: str = "localhost:7234"
    api_key: str = field(default="local", repr=False)
    llm_provider: str = "ollama"
    llm_model: str = "smollm2:135m"
    ollama_base_url: str = "http://localhost:11434"
    temperature: float = 0.0
    max_tokens: int = 256
    llm_timeout_s: float = 120.0
    ready_file: Path = Path("/tmp/runner-ready")
    max_concurrent: int = 10
    max_tool_rounds: int = 4
    stream_update_every: int = 8
    shutdown_grace_s: float = 4.0
    task_queue: str = TASK_QUEUE

    def describe(self) -> str:
        """A one-line summary that is safe to log (no API key)."""
        return (
            f"temporal={self.temporal_address} namespace={self.temporal_namespace} "
            f"backend={self.backend_endpoint} llm={self.llm_provider}:{self.llm_model} "
            f"ollama={self.ollama_base_url} temperature={self.temperature} "
            f"max_tokens={self.max_tokens} max_concurrent={self.max_concurrent} "
            f"ready_file={self.ready_file}"
        )


# env var -> (field name, parser); parsers raise ValueError with a readable reason.
def _host_port(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("expected HOST:PORT, e.g. localhost:7233")
    return value


def _http_url(value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ValueError("expected an http(s) URL, e.g. http://localhost:11434")
    return value.rstrip("/")


def _provider(value: str) -> str:
    lowered = value.strip().lower()
    if lowered not in SUPPORTED_PROVIDERS:
        raise ValueError(
            f"provider {value!r} is not supported by the reference runner "
            f"(supported: {', '.join(SUPPORTED_PROVIDERS)})"
        )
    return lowered


def _number(value: str, kind: type[int] | type[float], low: float, high: float,
            expected: str) -> float:
    try:
        number = kind(value)
    except ValueError:
        raise ValueError(f"expected {expected}") from None
    if not low <= number <= high:
        raise ValueError(f"expected {expected}")
    return number


def _temperature(value: str) -> float:
    return float(_number(value, float, 0.0, 2.0, "a number between 0 and 2"))


def _positive_int(value: str) -> int:
    return int(_number(value, int, 1, float("inf"), "a positive integer"))


def _non_negative_int(value: str) -> int:
    return int(_number(value, int, 0, float("inf"), "an integer >= 0"))


def _non_negative_float(value: str) -> float:
    return float(_number(value, float, 0.0, float("inf"), "a number >= 0"))


def _positive_float(value: str) -> float:
    return float(_number(value, float, 1e-9, float("inf"), "a positive number"))


def _text(value: str) -> str:
    return value.strip()


ENV_FIELDS: dict[str, tuple[str, object]] = {
    "TEMPORAL_SERVICE_ADDRESS": ("temporal_address", _host_port),
    "TEMPORAL_NAMESPACE": ("temporal_namespace", _text),
    "STIGMER_BACKEND_ENDPOINT": ("backend_endpoint", _host_port),
    "STIGMER_API_KEY": ("api_key", _text),
    "STIGMER_LLM_PROVIDER": ("llm_provider", _provider),
    "STIGMER_LLM_MODEL": ("llm_model", _text),
    "OLLAMA_BASE_URL": ("ollama_base_url", _http_url),
    "STIGMER_LLM_TEMPERATURE": ("temperature", _temperature),
    "STIGMER_LLM_MAX_TOKENS": ("max_tokens", _positive_int),
    "STIGMER_LLM_TIMEOUT_SECONDS": ("llm_timeout_s", _positive_float),
    "STIGMER_RUNNER_READY_FILE": ("ready_file", Path),
    "STIGMER_RUNNER_MAX_CONCURRENT": ("max_concurrent", _positive_int),
    "STIGMER_RUNNER_MAX_TOOL_ROUNDS": ("max_tool_rounds", _non_negative_int),
    "STIGMER_RUNNER_STREAM_UPDATE_EVERY": ("stream_update_every", _positive_int),
    "STIGMER_RUNNER_SHUTDOWN_GRACE_SECONDS": ("shutdown_grace_s", _non_negative_float),
}

# Values never echoed back in error messages.
_SECRET_VARS = frozenset({"STIGMER_API_KEY"})


def load_config(env: Mapping[str, str] | None = None) -> RunnerConfig:
    """Build the config from ``env`` (default ``os.environ``); empty values mean "use default"."""
    source = os.environ if env is None else env
    values: dict[str, object] = {}
    problems: list[str] = []
    for var, (name, parse) in ENV_FIELDS.items():
        raw = source.get(var, "")
        if raw.strip() == "":
            continue
        try:
            values[name] = parse(raw.strip())  # type: ignore[operator]
        except ValueError as exc:
            shown = "<hidden>" if var in _SECRET_VARS else repr(raw)
            problems.append(f"{var}={shown}: {exc}")
    if problems:
        raise ConfigError("invalid runner configuration: " + "; ".join(problems))
    return RunnerConfig(**values)  # type: ignore[arg-type]
