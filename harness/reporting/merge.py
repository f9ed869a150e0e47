"""Merge the results of several behave processes (parallel workers) into one run directory:
JUnit XML, scenario notes and console text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.reporting.junit import merge_junit_dirs
from harness.reporting.notes import ScenarioNotes


def merge_runs(run_dir: Path, parts: Sequence[Path], stems: Mapping[str, str]) -> None:
    """``parts`` are run directories below ``run_dir`` (e.g. ``workers/w1``)."""
    merge_junit_dirs([part / "junit" for part in parts], run_dir / "junit", stems)
    notes = ScenarioNotes()
    for part in parts:
        prefix = part.relative_to(run_dir).as_posix() + "/"
        notes.merge(ScenarioNotes.load(part), prefix)
    notes.save(run_dir)
    console = []
    for part in parts:
        try:
            text = (part / "console.txt").read_text(errors="replace")
        except OSError:
            continue
        console.append(f"===== {part.relative_to(run_dir).as_posix()} =====\n{text}")
    (run_dir / "console.txt").write_text("\n".join(console))
