"""Merge the results of several behave processes (parallel workers) into one run directory:
JUnit XML, scenario notes, console text, living docs and an index page."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from harness.config import REPO_ROOT
from harness.reporting.junit import merge_junit_dirs, read_junit_dir
from harness.reporting.living_docs import (
    attach_results,
    load_features,
    render_html,
    write_living_docs,
)
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
    merge_rerun_files(run_dir, parts)
    merge_allure_results(run_dir, parts)


def merge_rerun_files(run_dir: Path, parts: Sequence[Path]) -> None:
    """One ``rerun.txt``: every worker's failed locations (``behave @rerun.txt`` runs them)."""
    locations = []
    for part in parts:
        path = part / "rerun.txt"
        if path.is_file():
            locations += [line for line in path.read_text().splitlines()
                          if line.strip() and not line.startswith("#")]
    header = f"# -- RERUN: {len(locations)} failing scenarios during this run.\n"
    (run_dir / "rerun.txt").write_text(header + "".join(f"{line}\n" for line in locations))


def merge_allure_results(run_dir: Path, parts: Sequence[Path]) -> None:
    """One ``allure-results/`` holding every worker's results (unique file names), so Allure
    shows the parallel run as one report."""
    target = run_dir / "allure-results"
    for part in parts:
        source = part / "allure-results"
        if not source.is_dir():
            continue
        target.mkdir(exist_ok=True)
        for path in source.iterdir():
            if path.is_file():
                shutil.copy2(path, target / path.name)


def summarize(run_dir: Path, selected: set[tuple[str, str]]) -> str:
    """``a passed, b failed, c skipped`` over the selected scenarios of the merged JUnit."""
    outcomes: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}
    for case in read_junit_dir(run_dir / "junit"):
        if case.key in selected:
            outcomes[case.outcome] += 1
    return ", ".join(f"{count} {name}" for name, count in outcomes.items())


def write_index(run_dir: Path, feature_paths: Sequence[Path],
                links: Sequence[tuple[str, str]]) -> Path:
    """Living docs of the merged results, and ``report.html``: the same page with ``links``
    (href, label) to the parts' own reports."""
    write_living_docs(feature_paths, run_dir, root=REPO_ROOT, links=links)
    features = load_features(feature_paths, REPO_ROOT)
    attach_results(features, read_junit_dir(run_dir / "junit"), ScenarioNotes.load(run_dir))
    path = run_dir / "report.html"
    path.write_text(render_html(features, f"parallel run {run_dir.name}",
                                title="Stigmer acceptance suite: parallel run", links=links),
                    encoding="utf-8")
    return path
