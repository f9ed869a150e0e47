"""Run one behave selection N times and tell which scenarios are flaky.

    python scripts/flaky.py --runs 10 [--jobs J] [behave args]

Each run is a separate behave process (or a parallel run with ``--jobs``) writing its own
results under ``<results>/runs/<id>-flaky/run-NN/``; outcomes per scenario come from each
run's JUnit XML. A scenario is *flaky* when it both passed and failed across the runs; its
flake rate is failed / (passed + failed). The table is printed and written to
``<results>/flakiness-<time>.md``. Exit code: 1 when a scenario flaked, 2 when none flaked but
some always failed, 0 otherwise.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness.config import REPO_ROOT
from harness.reporting.junit import CaseResult, read_junit_dir
from harness.reporting.run_dir import RUN_DIR_ENV, new_run_id
from harness.stack.shared import SHARED_STACK_ENV

Emit = Callable[[str], None]
MARKS = {"passed": "✓", "failed": "✗", "skipped": "-", "missing": "?"}


@dataclass
class Tally:
    """The outcomes of one scenario, run by run."""

    feature: str
    scenario: str
    outcomes: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return self.outcomes.count(outcome)

    @property
    def flake_rate(self) -> float:
        executed = self.count("passed") + self.count("failed")
        return self.count("failed") / executed if executed else 0.0

    @property
    def verdict(self) -> str:
        passed, failed = self.count("passed"), self.count("failed")
        if passed and failed:
            return "FLAKY"
        if failed:
            return "always fails"
        if passed:
            return "stable"
        return "skipped" if self.count("skipped") else "never ran"


@dataclass
class RunRecord:
    number: int
    directory: Path
    exit_code: int
    seconds: float
    results: list[CaseResult]


def in_scope(results: Iterable[CaseResult],
             selected: set[tuple[str, str]] | None) -> set[tuple[str, str]]:
    """The scenarios to judge: the selection, plus any scenario a run executed (one added to
    the features while the runs went on); behave reports the deselected ones as skipped."""
    executed = {r.key for r in results if r.outcome != "skipped"}
    return executed | (selected or set()) if selected is not None else {r.key for r in results}


def tally(runs: Sequence[Sequence[CaseResult]],
          selected: set[tuple[str, str]] | None = None) -> list[Tally]:
    """Per scenario, its outcome in each run (``missing`` when a run did not report it)."""
    scope = in_scope([r for results in runs for r in results], selected)
    keys: dict[tuple[str, str], None] = {}
    per_run = []
    for results in runs:
        outcomes = {r.key: r.outcome for r in results if r.key in scope}
        per_run.append(outcomes)
        keys.update(dict.fromkeys(outcomes))
    for key in sorted(selected or ()):
        keys.setdefault(key, None)
    tallies = [Tally(feature, scenario, [run.get((feature, scenario), "missing")
                                         for run in per_run]) for feature, scenario in keys]
    order = {"FLAKY": 0, "always fails": 1, "stable": 2, "skipped": 3, "never ran": 4}
    return sorted(tallies, key=lambda t: (order[t.verdict], -t.flake_rate, t.feature,
                                          t.scenario))


def render(tallies: Sequence[Tally], records: Sequence[RunRecord], command: str) -> str:
    """The Markdown report: what was run, then one row per scenario."""
    flaky = [t for t in tallies if t.verdict == "FLAKY"]
    failing = [t for t in tallies if t.verdict == "always fails"]
    durations = [r.seconds for r in records if r.seconds > 0]
    codes = ", ".join(str(r.exit_code) if r.exit_code >= 0 else "?" for r in records)
    lines = [
        "# Flakiness report", "",
        f"Command: `{command}`  ",
        f"Runs: {len(records)} (exit codes {codes}); "
        f"duration per run: min {min(durations, default=0):.1f}s, "
        f"max {max(durations, default=0):.1f}s  ",
        f"Scenarios: {len(tallies)}; flaky: {len(flaky)}; always failing: {len(failing)}", "",
        "Flaky = passed in some runs and failed in others; flake rate = failed / (passed + "
        f"failed). Per run: {', '.join(f'{m} {o}' for o, m in MARKS.items())}.", "",
        "| Scenario | Feature | passed | failed | skipped | flake rate | verdict | runs |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for t in tallies:
        marks = "".join(MARKS[o] for o in t.outcomes)
        lines.append(f"| {t.scenario} | {t.feature} | {t.count('passed')} | {t.count('failed')} "
                     f"| {t.count('skipped')} | {t.flake_rate:.0%} | {t.verdict} | `{marks}` |")
    lines += ["", "Run directories:", ""]
    lines += [f"- run {r.number}: `{r.directory}` (exit {r.exit_code}, {r.seconds:.1f}s)"
              for r in records]
    return "\n".join(lines) + "\n"


def exit_code(tallies: Sequence[Tally]) -> int:
    verdicts = {t.verdict for t in tallies}
    return 1 if "FLAKY" in verdicts else 2 if "always fails" in verdicts else 0


def command_for(args: Sequence[str], jobs: int | None) -> list[str]:
    if jobs:
        return [sys.executable, str(REPO_ROOT / "scripts" / "parallel.py"), "-j", str(jobs),
                *args]
    return [sys.executable, "-m", "behave", *args]


def run_once(number: int, command: Sequence[str], directory: Path) -> RunRecord:
    directory.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, RUN_DIR_ENV: str(directory)}
    env.pop(SHARED_STACK_ENV, None)
    started = time.monotonic()
    with (directory / "behave-output.txt").open("wb") as output:
        code = subprocess.call(list(command), stdout=output, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, env=env, cwd=REPO_ROOT)
    (directory / "exit-code").write_text(f"{code}\n")
    return RunRecord(number, directory, code, time.monotonic() - started,
                     read_junit_dir(directory / "junit"))


def run_flakiness(args: Sequence[str], runs: int, results_path: Path,
                  jobs: int | None = None, emit: Emit = print) -> tuple[int, Path]:
    """Run the selection ``runs`` times; return (exit code, report path)."""
    from harness.runs.selection import select

    selected = {scenario.key for scenario in select(args).scenarios}
    command = command_for(args, jobs)
    stamp = new_run_id()
    base = results_path / "runs" / f"{stamp}-flaky"
    records = []
    for number in range(1, runs + 1):
        record = run_once(number, command, base / f"run-{number:02d}")
        records.append(record)
        scope = in_scope(record.results, selected)
        outcomes = [r.outcome for r in record.results if r.key in scope]
        emit(f"[flaky] run {number}/{runs}: {outcomes.count('passed')} passed, "
             f"{outcomes.count('failed')} failed, {outcomes.count('skipped')} skipped "
             f"(exit {record.exit_code}) in {record.seconds:.1f}s")
    printable = " ".join(["python scripts/flaky.py", f"--runs {runs}",
                          *([f"--jobs {jobs}"] if jobs else []), *args])
    return report(records, selected, printable, base, results_path, stamp, emit)


def report(records: Sequence[RunRecord], selected: set[tuple[str, str]] | None, command: str,
           base: Path, results_path: Path, stamp: str, emit: Emit) -> tuple[int, Path]:
    """Tally, print and write the report (``<results>/flakiness-<time>.md`` and a copy in
    ``base``); return (exit code, report path)."""
    tallies = tally([r.results for r in records], selected)
    text = render(tallies, records, command)
    path = results_path / f"flakiness-{stamp.rsplit('-', 1)[0]}.md"
    path.write_text(text, encoding="utf-8")
    (base / "flakiness.md").write_text(text, encoding="utf-8")
    emit(text)
    emit(f"[flaky] report: {path}")
    return exit_code(tallies), path


def behave_seconds(directory: Path) -> float:
    """How long behave said the run took (``Took 2min 37.970s``), 0 when unknown."""
    try:
        text = (directory / "behave-output.txt").read_text(errors="replace")
    except OSError:
        return 0.0
    found = re.findall(r"Took (\d+)min (\d+(?:\.\d+)?)s", text)
    return int(found[-1][0]) * 60 + float(found[-1][1]) if found else 0.0


def report_existing(base: Path, results_path: Path, emit: Emit = print) -> tuple[int, Path]:
    """Tally the runs already in ``base`` (``run-NN/`` folders of an earlier flaky run)."""
    records = []
    for number, directory in enumerate(sorted(base.glob("run-*")), start=1):
        try:
            code = int((directory / "exit-code").read_text())
        except (OSError, ValueError):
            code = -1
        records.append(RunRecord(number, directory, code, behave_seconds(directory),
                                 read_junit_dir(directory / "junit")))
    stamp = base.name.removesuffix("-flaky")
    return report(records, None, f"python scripts/flaky.py --from {base}", base, results_path,
                  stamp, emit)
