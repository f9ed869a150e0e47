"""What happens when a run ends: scenario notes saved, living docs written, the run dir redacted."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

from harness.checks.secret_scan import record_masked
from harness.reporting.living_docs import write_living_docs
from harness.reporting.notes import ScenarioNotes
from harness.secrets import redact_tree

_LINE_SUFFIX = re.compile(r"(:\d+)+$")


def feature_paths(paths: Iterable[str]) -> list[Path]:
    """behave's paths without ``:line`` selections, each once, existing ones only."""
    seen: dict[Path, None] = {}
    for raw in paths:
        path = Path(_LINE_SUFFIX.sub("", str(raw)))
        if path.exists():
            seen.setdefault(path.resolve(), None)
    return list(seen)


def finish_run(run_dir: Path, notes: ScenarioNotes, paths: Iterable[str],
               emit: Callable[[str], None]) -> None:
    """Called from ``after_all``: every JUnit file is written by then (the HTML report and the
    console text redact themselves when behave closes them; service logs once they stop)."""
    notes.save(run_dir)
    try:
        docs = write_living_docs(feature_paths(paths), run_dir, root=Path.cwd())
        emit(f"[report] living documentation: {docs[0]}")
    except Exception as error:  # documentation never fails a run
        emit(f"[report] living documentation could not be written: {error}")
    # JUnit, living docs, notes, progress, artifacts: everything written so far, masked with
    # every secret the run registered (scenario artifacts were masked with their own already).
    # What had to be masked is listed in masked-files.txt (the secrets scan requires it empty).
    record_masked(run_dir, redact_tree(run_dir))
