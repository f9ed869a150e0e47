"""One typed configuration, built from behave ``-D key=value`` userdata and environment.

Precedence: userdata (``-D``) > environment (``STIGMER_E2E_<KEY>``) > defaults. The defaults
target the embedded reference stack shipped with the project.
"""

from __future__ import annotations

import difflib
import math
import os
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.profile import TargetProfile

ENV_PREFIX = "STIGMER_E2E_"
REPO_ROOT = Path(__file__).resolve().parent.parent

TARGETS = ("embedded", "external")
SERVICE_PROVIDERS = ("auto", "compose", "processes", "external")
CLI_DIALECTS = ("auto", "current", "january")  # harness.stigmer.cli.DIALECTS; auto = the profile's

#: ``-D`` keys in these namespaces are not settings: behave's own (formatter options) and
#: free-form extension keys for a project's own steps (``-D x_<name>=...``, in ``extra``).
BEHAVE_NAMESPACE = "behave."
EXTENSION_PREFIX = "x_"

#: ``STIGMER_E2E_*`` environment variables that are not settings (read by the compose file,
#: the scripts or between the suite's own processes); every other one must name a setting.
ENV_NOT_SETTINGS: dict[str, str] = {
    "TEMPORAL_IMAGE": "Temporal image of the compose file and scripts/build-images.sh",
    "RUNNER_IMAGE": "agent-runner image of the compose file and scripts/build-images.sh",
    "STIGMER_RUNNER_IMAGE": "image of Stigmer's real runner (its compose file, build script)",
    "PULL_POLICY": "compose pull policy of both images (missing | always | never)",
    "TEMPORAL_PORT": "fixed loopback host port for Temporal in the compose file",
    "PYTHON_BASE_IMAGE": "base image for scripts/build-images.sh",
    "CACHE": "wheel/download cache of scripts/build-images.sh",
    "BUILD_NO_CACHE": "scripts/build-images.sh builds without Docker's layer cache",
    "DOCKER_ENV": "file naming the Docker engine (harness/stack/docker_engine.py, scripts)",
    "DOCKER_STATE": "state directory of scripts/provision-docker.sh",
    "DOCKER_EXEC": "exec root of scripts/provision-docker.sh",
    "DOCKERD_TIMEOUT": "seconds scripts/provision-docker.sh waits for dockerd",
    "DOCKER_STORAGE_DRIVER": "storage driver of scripts/provision-docker.sh",
    "SHARED_STACK": "parallel runner -> worker: the shared stack's description file",
    "RUN_DIR": "parallel runner -> worker: the run directory to write into",
    "SCAN_SECRET": "the secret-scan self-test's secret (steps/security_steps.py)",
    "SETUP_REAL_RUNNER": "scripts/setup.sh also installs the PyPI stigmer-runner's venv",
    "STIGMER_RUNNER_NUM_CTX": "context of the embedded model when the PyPI runner uses it",
    "STIGMER_RUNNER_THREADS": "threads of the embedded model when the PyPI runner uses it",
}
RUNNERS = ("reference", "stigmer-runner")


class ConfigError(ValueError):
    """A configuration value is invalid; the message says which and how to fix it."""


def _suggestion(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
    profile: str = "reference"
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
    cli_dialect: str = "auto"
    org_isolation: bool = True
    execution_timeout: float = 120.0
    stack_timeout: float = 180.0
    runner_schedule_timeout: float = 30.0
    runner_heartbeat_timeout: float = 5.0
    llm_max_tokens: int = 512
    results_dir: str = "reports"
    keep_artifacts: str = "failed"
    scenario_timeout: float = 600.0
    grpc_timeout: float = 30.0
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
    def target_profile(self) -> TargetProfile:
        """The profile of the Stigmer build under test (harness/profile.py)."""
        from harness.profile import get_profile

        return get_profile(self.profile)

    @property
    def results_path(self) -> Path:
        path = Path(self.results_dir)
        return path if path.is_absolute() else REPO_ROOT / path


SETTINGS: tuple[Setting, ...] = (
    Setting("target", "embedded", "`embedded` starts the stack here; `external` uses a running "
            "Stigmer at `server_address`"),
    Setting("profile", "reference", "which Stigmer build the target is (harness/profile.py): "
            "`reference`, `stigmer-g2` (alias `stigmer-local`), `january` (G1), `stigmer-g3`; "
            "chooses the server launch, CLI dialect, limits and reference-only skips"),
    Setting("server_address", "", "host:port of an already running Stigmer (target=external)"),
    Setting("server_command", "python -m reference.server", "command that starts a Stigmer "
            "server (embedded target), configured by Stigmer's environment variables "
            "(`GRPC_PORT`, `DB_PATH`, `TEMPORAL_HOST_PORT`, ...)"),
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
    Setting("cli_dialect", "auto", "the CLI's conventions: `auto` (the profile's), `current` "
            "(apply -f, errors on stderr) or `january` (the January 2026 CLI: --runtime-env, "
            "errors on stdout)"),
    Setting("org_isolation", "true", "give each scenario its own organization"),
    Setting("execution_timeout", "120", "seconds an execution may take to finish"),
    Setting("stack_timeout", "180", "seconds the stack may take to become healthy"),
    Setting("runner_schedule_timeout", "30", "seconds before an execution no runner picks up "
            "is failed by the server"),
    Setting("runner_heartbeat_timeout", "5", "seconds a silent agent-runner is trusted before "
            "Temporal retries the execution (short, so lost runners are noticed fast)"),
    Setting("llm_max_tokens", "512", "longest answer, in tokens, the agent-runner asks for"),
    Setting("results_dir", "reports", "where reports and artifacts are written"),
    Setting("keep_artifacts", "failed", "`failed` or `always`"),
    Setting("scenario_timeout", "600", "seconds a scenario may run before the watchdog fails "
            "it (with its artifacts and a dump of where it hung)"),
    Setting("grpc_timeout", "30", "default deadline, in seconds, of every call the harness "
            "makes to Stigmer (streams have their own)"),
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


def _parse_int(key: str, raw: str) -> int:
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a whole number (e.g. 512)") from None
    if value <= 0:
        raise ConfigError(f"{key}={raw!r} must be a whole number greater than zero")
    return value


def _parse_float(key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{key}={raw!r} is not a number of seconds (e.g. 60 or 2.5)") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{key}={raw!r} must be a finite number greater than zero")
    return value


def _coerce(name: str, kind: object, raw: str) -> object:
    if kind in (bool, "bool"):
        return _parse_bool(name, raw)
    if kind in (float, "float"):
        return _parse_float(name, raw)
    if kind in (int, "int"):
        return _parse_int(name, raw)
    if name == "compose_files":
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def setting_keys() -> list[str]:
    """Every known setting: the SETTINGS table (each one is a SuiteConfig field)."""
    return [setting.key for setting in SETTINGS]


def _userdata_values(userdata: Mapping[str, str], known: list[str]
                     ) -> tuple[dict[str, str], dict[str, str]]:
    """``-D`` pairs as (settings, extension keys); any other key is an error."""
    values: dict[str, str] = {}
    extra: dict[str, str] = {}
    for key, raw in userdata.items():
        if key.startswith(BEHAVE_NAMESPACE):
            continue
        name = key.replace("-", "_").lower()
        if name in known:
            values[name] = str(raw)
        elif name.startswith(EXTENSION_PREFIX):
            extra[key] = str(raw)
        else:
            raise ConfigError(f"unknown setting {key!r}{_suggestion(name, known)} - see the "
                              "README's settings table; a key for your own steps is spelled "
                              f"-D {EXTENSION_PREFIX}<name>=...")
    return values, extra


def _environment_values(environ: Mapping[str, str], known: list[str]) -> dict[str, str]:
    """``STIGMER_E2E_<KEY>`` variables naming settings; another one under the prefix that is
    not in ENV_NOT_SETTINGS is an error (a typo would otherwise be silently ignored)."""
    values: dict[str, str] = {}
    upper = {name.upper(): name for name in known}
    for variable, raw in environ.items():
        if not variable.startswith(ENV_PREFIX) or variable == ENV_PREFIX:
            continue
        suffix = variable[len(ENV_PREFIX):]
        if suffix in upper:
            values[upper[suffix]] = raw
        elif suffix not in ENV_NOT_SETTINGS:
            close = difflib.get_close_matches(suffix, [*upper, *ENV_NOT_SETTINGS], n=1,
                                              cutoff=0.6)
            hint = f" (did you mean {ENV_PREFIX + close[0]!r}?)" if close else ""
            raise ConfigError(f"unknown setting {variable!r} in the environment{hint} - unset "
                              "it or use one of the README's settings table")
    return values


def resolve_services(config: SuiteConfig, docker_ok: bool) -> str:
    """How Temporal + agent-runner come up: the ``services`` setting; for ``auto``, compose
    when Docker answers, else local processes (the stack and the prerequisites agree)."""
    if config.services != "auto":
        return config.services
    return "compose" if docker_ok else "processes"


def load_config(
    userdata: Mapping[str, str] | None = None, environ: Mapping[str, str] | None = None
) -> SuiteConfig:
    """Build the configuration from ``-D`` userdata, then ``STIGMER_E2E_*``, then defaults.

    Strict: an unknown key is an error naming the closest known one; a bad value names the
    key and what it accepts."""
    environ = os.environ if environ is None else environ
    known = setting_keys()
    types = {f.name: f.type for f in fields(SuiteConfig)}
    from_userdata, extra = _userdata_values(dict(userdata or {}), known)
    raw_values = {**_environment_values(environ, known), **from_userdata}
    values = {name: _coerce(name, types[name], raw) for name, raw in raw_values.items()}
    config = SuiteConfig(**values, extra=extra)  # type: ignore[arg-type]
    validate(config)
    return config


def validate(config: SuiteConfig) -> None:
    """Reject inconsistent settings with a message that says what to do."""
    if config.target not in TARGETS:
        raise ConfigError(f"target={config.target!r}: use one of {', '.join(TARGETS)}")
    from harness.profile import ProfileError, get_profile

    try:
        get_profile(config.profile)
    except ProfileError as error:
        raise ConfigError(str(error)) from None
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
    if config.cli_dialect not in CLI_DIALECTS:
        raise ConfigError(
            f"cli_dialect={config.cli_dialect!r}: use one of {', '.join(CLI_DIALECTS)}")
    if config.runner not in RUNNERS:
        raise ConfigError(f"unknown runner {config.runner!r} (allowed: {', '.join(RUNNERS)})")
    if config.keep_artifacts not in ("failed", "always"):
        raise ConfigError(f"keep_artifacts={config.keep_artifacts!r}: use failed or always")
