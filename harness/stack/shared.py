"""One stack shared by several behave processes (``scripts/parallel.py``).

The parent process starts the stack with ``build_stack`` (and its execution services when the
selection needs them), then describes it in a JSON file and names that file in
``STIGMER_E2E_SHARED_STACK`` for its workers. A worker attaches to the stack (``AttachedStack``)
instead of starting its own, and never stops it. Scenarios stay isolated by their own
organization. No behave import.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from harness.checks.prerequisites import PrerequisiteReport
from harness.config import SuiteConfig
from harness.stack.stack import Stack, StackInfo, build_stack

SHARED_STACK_ENV = "STIGMER_E2E_SHARED_STACK"
Progress = Callable[[str], None]


@dataclass
class SharedStackSpec:
    """What a worker needs to know about a stack another process runs."""

    info: dict[str, Any]
    log_dir: str = ""
    services_ready: bool = False
    services_error: str = ""
    compose_project: str = ""
    compose_files: list[str] = field(default_factory=list)

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> SharedStackSpec:
        return cls(**json.loads(path.read_text()))

    def stack_info(self) -> StackInfo:
        """The stack's ``StackInfo`` (fields this version does not know are ignored)."""
        known = {f.name for f in fields(StackInfo)}
        return StackInfo(**{key: value for key, value in self.info.items() if key in known})


def describe(stack: Any, services_ready: bool, services_error: str = "") -> SharedStackSpec:
    """The spec of a started stack (an ``EmbeddedStack`` or an ``ExternalStack``)."""
    compose = getattr(stack, "_compose", None)
    return SharedStackSpec(
        info=asdict(stack.info), log_dir=str(getattr(stack, "log_dir", "") or ""),
        services_ready=services_ready, services_error=services_error,
        compose_project=getattr(compose, "project_name", "") if compose else "",
        compose_files=[str(f) for f in getattr(compose, "files", [])] if compose else [],
    )


class AttachedStack:
    """A stack started by another process: used, never started or stopped here."""

    def __init__(self, spec: SharedStackSpec, own_log_dir: Path) -> None:
        self.spec = spec
        self.info = spec.stack_info()
        self.provider = self.info.provider
        self.info.notes = [f"attached to the shared {self.provider} stack at "
                           f"{self.info.server_address}"]
        self.log_dir = Path(spec.log_dir) if spec.log_dir else None
        self.own_log_dir = own_log_dir

    def start(self) -> None:
        return None

    def ensure_execution_services(self) -> None:
        if self.spec.services_error:
            raise RuntimeError(f"the execution services of the shared stack failed to start: "
                               f"{self.spec.services_error}")
        if not self.spec.services_ready:
            raise RuntimeError("the shared stack was started without its execution services "
                               "(Temporal, agent-runner, LLM): the parallel runner starts them "
                               "when the selection has @requires-temporal/@requires-llm")

    def log_files(self) -> list[Path]:
        """The shared services' logs, plus this worker's copy of the compose services' logs."""
        files = sorted(self.log_dir.glob("*.log")) if self.log_dir and self.log_dir.exists() \
            else []
        if self.spec.compose_project:
            files += self._compose_logs()
        return files

    def _compose_logs(self) -> list[Path]:
        from harness.stack.compose import ComposeProject

        try:
            project = ComposeProject(self.spec.compose_project, self.spec.compose_files,
                                     log_dir=self.own_log_dir, clean_stale=False)
            return [p for p in project.logs(self.own_log_dir) if p.suffix == ".log"]
        except Exception:  # evidence collection never fails a scenario
            return []

    def stop(self) -> None:
        return None


def stack_for_run(config: SuiteConfig, report: PrerequisiteReport, run_dir: Path,
                  progress: Progress, environ: Mapping[str, str] | None = None) -> Stack:
    """The shared stack named in ``STIGMER_E2E_SHARED_STACK``, else a stack of this run."""
    environ = os.environ if environ is None else environ
    spec_file = environ.get(SHARED_STACK_ENV, "")
    if spec_file:
        return AttachedStack(SharedStackSpec.load(Path(spec_file)), run_dir / "logs")
    return build_stack(config, report, run_dir, progress)
