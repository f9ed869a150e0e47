"""The one place that chooses the stack of a run (see ``harness.stack.stack``)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from harness.checks.prerequisites import PrerequisiteReport
from harness.config import SuiteConfig, resolve_services
from harness.stack.compose_stack import ComposeStack
from harness.stack.embedded import EmbeddedStack
from harness.stack.external import ExternalStack
from harness.stack.process_stack import ProcessesStack
from harness.stack.shared import SHARED_STACK_ENV, AttachedStack, SharedStackSpec
from harness.stack.stack import Progress, Stack


def build_stack(config: SuiteConfig, report: PrerequisiteReport, run_dir: Path,
                progress: Progress = print, environ: Mapping[str, str] | None = None) -> Stack:
    """The stack of this run: the shared one named in ``STIGMER_E2E_SHARED_STACK``, an
    external Stigmer, or one started here with the chosen services. No I/O until start()."""
    environ = os.environ if environ is None else environ
    if environ.get(SHARED_STACK_ENV, ""):
        return AttachedStack(SharedStackSpec.load(Path(environ[SHARED_STACK_ENV])),
                             run_dir / "logs")
    if config.target == "external":
        return ExternalStack(config)
    # No model (prerequisite "llm" missing): its scenarios are skipped with the reason, and
    # Temporal + agent-runner still come up for the scenarios that need only them.
    llm = report.results["llm"].ok if "llm" in report.results else True
    provider = {"compose": ComposeStack, "processes": ProcessesStack}.get(
        resolve_services(config, report.results["docker"].ok), EmbeddedStack)
    return provider(config, run_dir, progress, llm_expected=llm)
