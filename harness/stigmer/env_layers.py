"""Runtime values given to a run from the layers the real ``stigmer run`` reads: an env file
(``--env-file``), a secret file (``--secret-file``), the command line (``--env``) and command-line
secrets (``--secret``). A scenario lists, per layer, the values it puts there; this writes the
files (mode 0600, in a temporary folder removed after the scenario, never under the run's
reports) and compares what a stored execution was given with the layer that should have won,
without ever showing a value in a message. No behave import, no reference import.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_FILE = "env file"
SECRET_FILE = "secret file"
COMMAND_LINE = "command line"
COMMAND_LINE_SECRET = "command line secret"
LAYERS = (ENV_FILE, SECRET_FILE, COMMAND_LINE, COMMAND_LINE_SECRET)
SECRET_LAYERS = (SECRET_FILE, COMMAND_LINE_SECRET)


@dataclass
class RuntimeLayers:
    """The values a scenario puts in each layer (layer -> name -> value)."""

    values: dict[str, dict[str, str]] = field(
        default_factory=lambda: {layer: {} for layer in LAYERS})

    def put(self, layer: str, name: str, value: str) -> None:
        if layer not in self.values:
            raise ValueError(f"unknown layer {layer!r} (known: {', '.join(LAYERS)})")
        if not name or "=" in name or any(c.isspace() for c in name):
            raise ValueError(f"not a variable name: {name!r}")
        if "\n" in value:
            raise ValueError(f"{layer} value of {name} spans lines")
        self.values[layer][name] = value

    def secrets(self) -> list[str]:
        """Every value given as a secret (for masking and leak checks)."""
        return [v for layer in SECRET_LAYERS for v in self.values[layer].values()]

    def write_files(self, folder: Path) -> tuple[list[Path], list[Path]]:
        """The env file and the secret file (each only when its layer has values)."""
        written: dict[str, list[Path]] = {ENV_FILE: [], SECRET_FILE: []}
        for layer, file_name in ((ENV_FILE, "run.env"), (SECRET_FILE, "run.secrets.env")):
            if self.values[layer]:
                path = folder / file_name
                write_env_file(path, self.values[layer])
                written[layer].append(path)
        return written[ENV_FILE], written[SECRET_FILE]


def write_env_file(path: Path, values: Mapping[str, str]) -> None:
    """``KEY=VALUE`` lines (values as they are: no quoting), readable by the owner only."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("# written by the acceptance suite for one scenario\n")
        handle.writelines(f"{key}={value}\n" for key, value in values.items())


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def winner_problems(runtime_env: Mapping[str, Any], layers: RuntimeLayers,
                    expected: Iterable[tuple[str, str, bool]]) -> list[str]:
    """Why the stored ``runtime_env`` (name -> ExecutionValue) does not hold, for each
    ``(name, layer, secret)``, that layer's value with that secrecy; values are never shown
    (a mismatch names the layer whose value it holds, else a digest)."""
    problems = []
    for name, layer, secret in expected:
        wanted = layers.values.get(layer, {}).get(name)
        if wanted is None:
            problems.append(f"{name}: the scenario put no value in the {layer}")
            continue
        if name not in runtime_env:
            problems.append(f"{name}: the execution was not given it at all")
            continue
        got = runtime_env[name]
        if got.value != wanted:
            sources = [s for s in LAYERS if layers.values[s].get(name) == got.value]
            came = f"the value of the {' / '.join(sources)}" if sources else \
                f"a value from no layer (sha256 {_digest(got.value)})"
            problems.append(f"{name}: holds {came}, not the value of the {layer}")
        if bool(got.is_secret) != secret:
            problems.append(f"{name}: stored as {'a secret' if got.is_secret else 'plain'}, "
                            f"expected {'a secret' if secret else 'plain'}")
    return problems
