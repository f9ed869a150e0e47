"""Runs a ``stigmer``-compatible CLI against the stack, records every call, parses results.

The CLI's conventions differ between generations of the real Stigmer (see
docs/compatibility-cli.md): a :class:`CliDialect` knows how to spell each command the specs
use, where the CLI writes its errors and with which exit codes it refuses. ``current`` (the
default) follows the newer CLI (YAML through ``apply -f``, errors on stderr, "not found" exits
2); ``january`` the January 2026 build (``--runtime-env``, errors on stdout, exit 1).
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

ERROR_LINE = re.compile(r"(?m)^Error: \S")
EXECUTION_ID = re.compile(r"Execution ID:\s*((?:aex|wex)[-_][0-9A-Za-z]+)")


class DialectUnsupported(RuntimeError):
    """The selected CLI generation has no way to do what a step asks (the reason says why)."""


@dataclass(frozen=True)
class CliResult:
    """One CLI invocation and what it printed."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def execution_id(self) -> str | None:
        match = EXECUTION_ID.search(self.stdout)
        return match.group(1) if match else None

    def stream(self, name: str) -> str:
        """``stdout`` or ``stderr`` by name."""
        if name not in ("stdout", "stderr"):
            raise ValueError(f"no such stream {name!r}")
        return self.stdout if name == "stdout" else self.stderr

    def transcript(self) -> str:
        return (f"$ {' '.join(self.argv)}\n# exit {self.exit_code} in {self.seconds:.2f}s\n"
                f"{self.stdout}{self.stderr}")


class CliDialect:
    """How one CLI generation spells the commands the specs use (the newer CLI's by default)."""

    name: ClassVar[str] = "current"
    error_stream: ClassVar[str] = "stderr"
    # Exit code per kind of refusal, where the facts establish one; other refusals: non-zero.
    exit_codes: ClassVar[Mapping[str, int]] = {"not found": 2}
    per_call_org: ClassVar[bool] = True

    def org(self, org: str) -> tuple[str, ...]:
        return ("--org", org)

    def apply(self, path: Path, dry_run: bool = False) -> tuple[str, ...]:
        return ("apply", "-f", str(path), *(("--dry-run",) if dry_run else ()))

    def apply_project(self, path: Path, dry_run: bool = False,
                      prune: bool = True) -> tuple[str, ...]:
        """Apply a project folder (``stigmer.yaml`` and its manifests) as one unit."""
        return ("apply", "--config", str(path), *(("--dry-run",) if dry_run else ()),
                *(() if prune else ("--prune=false",)))

    def run(self, name: str, message: str, follow: bool = True,
            env: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None,
            env_file: Path | None = None, model: str | None = None,
            kind: str | None = None, env_files: Sequence[Path] = (),
            secret_files: Sequence[Path] = ()) -> tuple[str, ...]:
        args = ["run", *((kind,) if kind else ()), name, "-m", message]
        if not follow:
            args.append("--detach")
        if model:
            args += ["--model", model]
        for key, value in (env or {}).items():
            args += ["--env", f"{key}={value}"]
        for key, value in (secrets or {}).items():
            args += ["--secret", f"{key}={value}"]
        for path in (*((env_file,) if env_file is not None else ()), *env_files):
            args += ["--env-file", str(path)]
        for path in secret_files:
            args += ["--secret-file", str(path)]
        return tuple(args)

    def get(self, kind: str, name: str) -> tuple[str, ...]:
        return ("get", kind, name)

    def list(self, kind: str) -> tuple[str, ...]:
        return ("list", kind)

    def delete(self, kind: str, name: str) -> tuple[str, ...]:
        return ("delete", kind, name)

    def list_executions(self, agent: str) -> tuple[str, ...]:
        """The executions of one agent."""
        return ("list", "executions", "--agent", agent)

    def cancel(self, execution_id: str, reason: str) -> tuple[str, ...]:
        return ("cancel", execution_id, *(("--reason", reason) if reason else ()))

    def not_found(self, kind: str, name: str) -> str:
        """The words the CLI refuses an unknown ``kind`` (agent, ...) ``name`` with."""
        return f"No {kind} found for {name}"

    def exit_code(self, refusal: str) -> int | None:
        """The exit code of a refusal of this kind, or None when only "non-zero" is known."""
        return self.exit_codes.get(refusal)


class JanuaryDialect(CliDialect):
    """The January 2026 Go CLI: ``--runtime-env [secret:]K=V``, ``--follow=false``, errors on
    stdout with exit 1, one organization, and ``apply`` only of SDK projects (no YAML)."""

    name: ClassVar[str] = "january"
    error_stream: ClassVar[str] = "stdout"
    exit_codes: ClassVar[Mapping[str, int]] = {"not found": 1}
    per_call_org: ClassVar[bool] = False

    def org(self, org: str) -> tuple[str, ...]:
        return ()  # the January CLI always works in its one organization

    def apply(self, path: Path, dry_run: bool = False) -> tuple[str, ...]:
        raise DialectUnsupported(
            "the January CLI applies SDK projects (apply --config Stigmer.yaml runs a program), "
            "not YAML manifests")

    def apply_project(self, path: Path, dry_run: bool = False,
                      prune: bool = True) -> tuple[str, ...]:
        raise DialectUnsupported(
            "the January CLI's projects are SDK programs (apply --config Stigmer.yaml runs "
            "main.go), not folders of YAML manifests")

    def run(self, name: str, message: str, follow: bool = True,
            env: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None,
            env_file: Path | None = None, model: str | None = None,
            kind: str | None = None, env_files: Sequence[Path] = (),
            secret_files: Sequence[Path] = ()) -> tuple[str, ...]:
        if env_file is not None or env_files:
            raise DialectUnsupported("the January CLI has no --env-file")
        if secret_files:
            raise DialectUnsupported("the January CLI has no --secret-file (it came on Jan 30)")
        if model:
            raise DialectUnsupported("the January CLI cannot choose the model of a run")
        args = ["run", name, "--message", message, f"--follow={str(follow).lower()}"]
        for key, value in (env or {}).items():
            args += ["--runtime-env", f"{key}={value}"]
        for key, value in (secrets or {}).items():
            args += ["--runtime-env", f"secret:{key}={value}"]
        return tuple(args)

    def not_found(self, kind: str, name: str) -> str:
        return f"Agent or Workflow not found: {name}"

    def cancel(self, execution_id: str, reason: str) -> tuple[str, ...]:
        raise DialectUnsupported("the January server has no execution cancel")


DIALECTS: dict[str, type[CliDialect]] = {"current": CliDialect, "january": JanuaryDialect}


def dialect(name: str) -> CliDialect:
    """The dialect called ``name`` (``current`` or ``january``)."""
    if name not in DIALECTS:
        raise ValueError(f"cli_dialect={name!r}: use one of {', '.join(DIALECTS)}")
    return DIALECTS[name]()


@dataclass
class StigmerCli:
    """The CLI bound to one server address, API key and organization."""

    argv: Sequence[str]
    server_address: str
    api_key: str
    org: str
    cwd: Path | None = None
    timeout: float = 120.0
    history: list[CliResult] = field(default_factory=list)
    dialect: CliDialect = field(default_factory=CliDialect)
    #: the target build's own exit codes, over the dialect's (harness/profile.py)
    exit_codes: Mapping[str, int] = field(default_factory=dict)
    #: called when a run is refused as unavailable (no Temporal yet); True when it brought the
    #: execution services up, so the run is worth trying once more
    on_unavailable: Callable[[], bool] = field(default=lambda: False, repr=False)

    def env(self) -> dict[str, str]:
        return {**os.environ, "STIGMER_SERVER_ADDR": self.server_address,
                "STIGMER_API_KEY": self.api_key, "STIGMER_ORG": self.org}

    def at(self, server_address: str, api_key: str | None = None) -> StigmerCli:
        """The same CLI (same history and dialect) pointed at another server or key."""
        return StigmerCli(self.argv, server_address, self.api_key if api_key is None else api_key,
                          self.org, cwd=self.cwd, timeout=self.timeout, history=self.history,
                          dialect=self.dialect, exit_codes=self.exit_codes)

    # -- the commands the specs use, in the dialect's spelling -------------------------------
    def apply(self, path: Path, dry_run: bool = False, timeout: float | None = None) -> CliResult:
        return self(*self.dialect.apply(path, dry_run), *self._org(), timeout=timeout)

    def apply_project(self, path: Path, dry_run: bool = False, prune: bool = True,
                      timeout: float | None = None) -> CliResult:
        return self(*self.dialect.apply_project(path, dry_run, prune), *self._org(),
                    timeout=timeout)

    def run(self, name: str, message: str, follow: bool = True,
            env: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None,
            env_file: Path | None = None, model: str | None = None, kind: str | None = None,
            timeout: float | None = None, env_files: Sequence[Path] = (),
            secret_files: Sequence[Path] = ()) -> CliResult:
        """Run the agent or workflow ``name`` (``kind``: "agent"/"workflow" where the dialect
        can say it; else the CLI resolves the name)."""
        args = self.dialect.run(name, message, follow, env, secrets, env_file, model, kind,
                                env_files, secret_files)
        result = self(*args, *self._org(), timeout=timeout)
        if (result.exit_code != 0 and "unavailable" in self.errors(result).lower()
                and self.on_unavailable()):  # the execution services came up only now
            result = self(*args, *self._org(), timeout=timeout)
        return result

    def get(self, kind: str, name: str, timeout: float | None = None,
            output: str | None = None) -> CliResult:
        """Show one ``kind`` ``name`` (``output``: yaml/json/table, else the CLI's default)."""
        fmt = ("-o", output) if output else ()
        return self(*self.dialect.get(kind, name), *fmt, *self._org(), timeout=timeout)

    def list(self, kind: str, timeout: float | None = None) -> CliResult:
        return self(*self.dialect.list(kind), *self._org(), timeout=timeout)

    def delete(self, kind: str, name: str, timeout: float | None = None) -> CliResult:
        return self(*self.dialect.delete(kind, name), *self._org(), timeout=timeout)

    def list_executions(self, agent: str, timeout: float | None = None) -> CliResult:
        return self(*self.dialect.list_executions(agent), *self._org(), timeout=timeout)

    def cancel(self, execution_id: str, reason: str = "",
               timeout: float | None = None) -> CliResult:
        return self(*self.dialect.cancel(execution_id, reason), *self._org(), timeout=timeout)

    def errors(self, result: CliResult) -> str:
        """What ``result`` wrote on the stream this CLI writes its errors to."""
        return result.stream(self.dialect.error_stream)

    def refusal_problem(self, result: CliResult, refusal: str | None = None) -> str | None:
        """Why ``result`` is not a refusal as this CLI refuses (``refusal``: "not found", ...):
        the dialect's exit code for it (else any non-zero one, not a timeout) and an
        ``Error:`` line on the dialect's error stream; None when it is one."""
        expected = (self.exit_codes.get(refusal, self.dialect.exit_code(refusal)) if refusal
                    else None)
        if result.exit_code == -1:
            return f"the command timed out\n{result.transcript()}"
        if expected is None and result.exit_code == 0:
            return f"the command exited 0\n{result.transcript()}"
        if expected is not None and result.exit_code != expected:
            return (f"exit {result.exit_code}, expected {expected} for {refusal} "
                    f"(CLI dialect {self.dialect.name})\n{result.transcript()}")
        if not ERROR_LINE.search(self.errors(result)):
            return (f"no 'Error:' line on {self.dialect.error_stream} "
                    f"(CLI dialect {self.dialect.name})\n{result.transcript()}")
        return None

    def _org(self) -> tuple[str, ...]:
        return self.dialect.org(self.org)

    def __call__(self, *args: str, timeout: float | None = None) -> CliResult:
        command = (*self.argv, *args)
        started = time.monotonic()
        try:
            completed = subprocess.run(
                command, capture_output=True, text=True, env=self.env(), cwd=self.cwd,
                timeout=timeout or self.timeout, stdin=subprocess.DEVNULL, check=False,
            )
            result = CliResult(tuple(command), completed.returncode, completed.stdout,
                               completed.stderr, time.monotonic() - started)
        except subprocess.TimeoutExpired as expired:
            result = CliResult(
                tuple(command), -1, _text(expired.stdout),
                _text(expired.stderr) + f"\n[harness] timed out after {expired.timeout}s",
                time.monotonic() - started)
        self.history.append(result)
        return result


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode(errors="replace") if isinstance(value, bytes) else value
