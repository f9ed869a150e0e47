"""One stack shared by several behave processes (``scripts/parallel.py``).

The parent process starts the stack with ``build_stack`` (and its execution services when the
selection needs them), then describes it in a JSON file and names that file in
``STIGMER_E2E_SHARED_STACK`` for its workers. A worker's ``build_stack`` attaches to that
stack (``AttachedStack``) instead of starting its own, and never stops it. Scenarios stay
isolated by their own organization. No behave import.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from harness.stack.stack import RemoteStack, Stack, StackInfo

SHARED_STACK_ENV = "STIGMER_E2E_SHARED_STACK"


@dataclass
class SharedStackSpec:
    """What a worker needs to know about a stack another process runs."""

    info: dict[str, Any]
    services_ready: bool = False
    services_error: str = ""

    def save(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(asdict(self), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> SharedStackSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in json.loads(path.read_text()).items() if k in known})

    def stack_info(self) -> StackInfo:
        """The stack's ``StackInfo`` (fields this version does not know are ignored)."""
        known = {f.name for f in fields(StackInfo)}
        return StackInfo(**{key: value for key, value in self.info.items() if key in known})


def describe(stack: Stack, services_ready: bool, services_error: str = "") -> SharedStackSpec:
    """The spec of a started stack."""
    return SharedStackSpec(info=asdict(stack.info), services_ready=services_ready,
                           services_error=services_error)


class AttachedStack(RemoteStack):
    """A stack started by another process: used, never started, stopped or broken here."""

    def __init__(self, spec: SharedStackSpec, own_log_dir: Path) -> None:
        self.spec = spec
        self.info = spec.stack_info()
        self.info.notes = [f"attached to the shared {self.info.provider} stack at "
                           f"{self.info.server_address}"]
        self.own_log_dir = own_log_dir

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
        log_dir = Path(self.info.log_dir) if self.info.log_dir else None
        files = sorted(log_dir.glob("*.log")) if log_dir and log_dir.exists() else []
        if self.info.compose_project:
            files += self._compose_logs()
        return files

    def _compose_logs(self) -> list[Path]:
        from harness.stack.compose import ComposeProject

        try:
            project = ComposeProject(self.info.compose_project, self.info.compose_files,
                                     log_dir=self.own_log_dir, clean_stale=False)
            return [p for p in project.logs(self.own_log_dir) if p.suffix == ".log"]
        except Exception:  # evidence collection never fails a scenario
            return []
