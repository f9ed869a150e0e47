"""One typed configuration, built from behave ``-D key=value`` userdata and environment.

Precedence: userdata (``-D``) > environment (``STIGMER_E2E_<KEY>``) > defaults. The defaults
target the embedded reference stack shipped with the project.
"""

from __future__ import annotations

import math
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

ENV_PREFIX = "STIGMER_E2E_"
REPO_ROOT = Path(__file__).resolve().parent.parent

TARGETS = ("embedded", "external")
SERVICE_PROVIDERS = ("auto", "compose", "processes", "external")
RUNNERS = ("reference", "stigmer-runner")


class ConfigError(ValueError):
    """A configuration value is invalid; the message says which and how to fix it."""


@dataclass(frozen=True)
class Setting:
    """Documentation of one configuration key (rendered as the README table)."""

    key: str
    default: str
    help: str


@dataclass(frozen=True)
class SuiteConfig:
    """Everything the harness needs to know about the target and the run."""

    target: str = "embedded"
    server_address: str = ""
    server_command: str = "python -m reference.server"
    api_key: str = "local"
    server_api_key: str = ""
    services: str = "auto"
    temporal_address: str = ""
    runner_command: str = "python -m reference.runner"
    runner: str = "reference"
    compose_files: tuple[str, ...] = ("compose/docker-compose.e2e.yml",)
    compose_project_prefix: str = "stigmer-e2e"
    ollama_url: str = "http://127.0.0.1:11434"
    model: str = "smollm2:135m"
    embedded_llm: bool = True
    cli_command: str = "python -m reference.cli"
    org_isolation: bool = True
    execution_timeout: float = 60.0
    stack_timeout: float = 180.0
    runner_schedule_timeout: float = 30.0
    runner_heartbeat_timeout: float = 5.0
    llm_max_tokens: int = 512
    results_dir: str = "reports"
    keep_artifacts: str = "failed"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def cli_argv(self) -> list[str]:
        """The CLI command as an argv list (``python`` means this interpreter)."""
        return command_argv(self.cli_command)

    @property
    def server_argv(self) -> list[str]:
        return command_argv(self.server_command)

    @property
    def runner_argv(self) -> list[str]:
        return command_argv(self.runner_command)

    @property
    def results_path(self) -> Path:
        path = Path(self.results_dir)
        return path if path.is_absolute() else REPO_ROOT / path


SETTINGS: tuple[Setting, ...] = (
    Setting("target", "embedded", "`embedded` starts the stack here; `external` uses a running "
            "Stigmer at `server_address`"),
    Setting("server_address", "", "host:port of an already running Stigmer (target=external)"),
    Setting("server_command", "python -m reference.server", "command that starts a Stigmer "
            "server (embedded target); must accept the reference server's flags"),
    Setting("api_key", "local", "bearer key the SDK and the CLI send"),
    Setting("server_api_key", "", "when set, the embedded server enforces this key"),
    Setting("services", "auto", "how Temporal + agent-runner come up: `auto` (compose when "
            "Docker is reachable, else processes), `compose`, `processes`, `external`"),
    Setting("temporal_address", "", "Temporal frontend host:port when services=external"),
    Setting("runner_command", "python -m reference.runner", "agent-runner command "
            "(services=processes)"),
    Setting("runner", "reference", "which agent-runner serves executions: `reference` "
            "(reference/runner) or `stigmer-runner` (the pinned PyPI stigmer-runner, installed by "
            "scripts/setup.sh; both providers)"),
    Setting("compose_files", "compose/docker-compose.e2e.yml", "comma-separated compose files"),
    Setting("compose_project_prefix", "stigmer-e2e", "prefix of the unique compose project"),
    Setting("ollama_url", "http://127.0.0.1:11434", "Ollama API used when it serves `model`"),
    Setting("model", "smollm2:135m", "model the agent-runner asks the LLM for"),
    Setting("embedded_llm", "true", "start the embedded Ollama-compatible endpoint when no "
            "Ollama serves the model"),
    Setting("cli_command", "python -m reference.cli", "a `stigmer`-compatible CLI"),
    Setting("org_isolation", "true", "give each scenario its own organization"),
    Setting("execution_timeout", "60", "seconds an execution may take to finish"),
    Setting("stack_timeout", "180", "seconds the stack may take to become healthy"),
    Setting("runner_schedule_timeout", "30", "seconds before an execution no runner picks up "
            "is failed by the server"),
    Setting("runner_heartbeat_timeout", "5", "seconds a silent agent-runner is trusted before "
            "Temporal retries the execution (short, so lost runners are noticed fast)"),
    Setting("llm_max_tokens", "512", "longest answer, in tokens, the agent-runner asks for"),
    Setting("results_dir", "reports", "where reports and artifacts are written"),
    Setting("keep_artifacts", "failed", "`failed` or `always`"),
)


def command_argv(command: str) -> list[str]:
    """Split a command line; a leading ``python`` means the running interpreter."""
    argv = shlex.split(command)
    if argv and argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    return argv


def _parse_bool(key: str, raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{key}={raw!r} is not a boolean: use true or false")


def _parse_float(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{key}={raw!r} must be a finite number greater than zero")
    return value


def _coerce(name: str, kind: object, raw: str) -> object:
    if kind in (bool, "bool"):
        return _parse_bool(name, raw)
    if kind in (float, "float"):
        return _parse_float(name, raw)
    if kind in (int, "int"):
        return int(_parse_float(name, raw))
    if name == "compose_files":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load_config(
    userdata: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> SuiteConfig:
    """Build the configuration from ``-D`` userdata, then ``STIGMER_E2E_*``, then defaults."""
    userdata = dict(userdata or {})
    environ = os.environ if environ is None else environ
    known = {f.name: f for f in fields(SuiteConfig) if f.name != "extra"}
    values: dict[str, object] = {}
    extra: dict[str, str] = {}
    for key, raw in userdata.items():
        name = key.replace("-", "_").lower()
        if name in known:
            values[name] = _coerce(name, known[name].type, str(raw))
        else:
            extra[key] = str(raw)
    for name, spec in known.items():
        env_key = ENV_PREFIX + name.upper()
        if name not in values and env_key in environ:
            values[name] = _coerce(name, spec.type, environ[env_key])
    config = SuiteConfig(**values, extra=extra)  # type: ignore[arg-type]
    validate(config)
    return config


def validate(config: SuiteConfig) -> None:
    """Reject inconsistent settings with a message that says what to do."""
    if config.target not in TARGETS:
        raise ConfigError(f"target={config.target!r}: use one of {', '.join(TARGETS)}")
    if config.services not in SERVICE_PROVIDERS:
        raise ConfigError(
            f"services={config.services!r}: use one of {', '.join(SERVICE_PROVIDERS)}"
        )
    if config.target == "external" and not config.server_address:
        raise ConfigError(
            "target=external needs server_address: pass -D server_address=HOST:PORT or set "
            "STIGMER_E2E_SERVER_ADDRESS"
        )
    if config.services == "external" and not config.temporal_address and (
        config.target == "embedded"
    ):
        raise ConfigError(
            "services=external with the embedded server needs temporal_address "
            "(-D temporal_address=HOST:PORT)"
        )
    if config.runner not in RUNNERS:
        raise ConfigError(f"unknown runner {config.runner!r} (allowed: {', '.join(RUNNERS)})")
    if config.keep_artifacts not in ("failed", "always"):
        raise ConfigError(f"keep_artifacts={config.keep_artifacts!r}: use failed or always")
