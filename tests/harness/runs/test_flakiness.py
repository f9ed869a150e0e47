"""harness.runs.flakiness: per-scenario outcomes across runs, verdicts, the report, exit codes."""

from __future__ import annotations

import sys
from pathlib import Path

from harness.reporting.junit import CaseResult
from harness.runs.flakiness import RunRecord, Tally, command_for, exit_code, render, tally


def case(name: str, outcome: str, feature: str = "F") -> CaseResult:
    status = {"passed": "passed", "failed": "failed", "skipped": "skipped"}[outcome]
    return CaseResult("f", feature, name, status, 1.0)


RUNS = [
    [case("steady", "passed"), case("wobbly", "passed"), case("broken", "failed"),
     case("deselected", "skipped")],
    [case("steady", "passed"), case("wobbly", "failed"), case("broken", "failed"),
     case("deselected", "skipped")],
    [case("steady", "passed"), case("wobbly", "passed"), case("broken", "failed")],
]
SELECTED = {("F", "steady"), ("F", "wobbly"), ("F", "broken"), ("F", "never")}


def test_tally_orders_flaky_first_and_marks_missing_runs() -> None:
    tallies = tally(RUNS, SELECTED)
    assert [(t.scenario, t.verdict) for t in tallies] == [
        ("wobbly", "FLAKY"), ("broken", "always fails"), ("steady", "stable"),
        ("never", "never ran")]
    wobbly = tallies[0]
    assert wobbly.outcomes == ["passed", "failed", "passed"]
    assert round(wobbly.flake_rate, 2) == 0.33
    assert tallies[-1].outcomes == ["missing"] * 3


def test_a_scenario_added_while_the_runs_went_on_is_judged_too() -> None:
    runs = [[case("old", "passed")], [case("old", "passed"), case("new", "failed")],
            [case("old", "passed"), case("new", "passed"), case("gone", "skipped")]]
    tallies = {t.scenario: t for t in tally(runs, {("F", "old")})}
    assert set(tallies) == {"old", "new"}  # "gone" was never selected nor executed
    assert tallies["new"].outcomes == ["missing", "failed", "passed"]
    assert tallies["new"].verdict == "FLAKY"


def test_a_scenario_skipped_in_every_run_is_reported_skipped() -> None:
    assert Tally("F", "s", ["skipped", "skipped"]).verdict == "skipped"


def test_exit_codes() -> None:
    assert exit_code(tally(RUNS, SELECTED)) == 1
    assert exit_code([Tally("F", "b", ["failed", "failed"])]) == 2
    assert exit_code([Tally("F", "s", ["passed", "skipped"])]) == 0


def test_render_is_a_markdown_table_with_every_run(tmp_path: Path) -> None:
    records = [RunRecord(n, tmp_path / f"run-{n:02d}", 0 if n != 2 else 1, 10.0 + n, runs)
               for n, runs in enumerate(RUNS, start=1)]
    text = render(tally(RUNS, SELECTED), records, "python scripts/flaky.py --runs 3")
    assert "Runs: 3 (exit codes 0, 1, 0)" in text
    assert "flaky: 1; always failing: 1" in text
    assert "| wobbly | F | 2 | 1 | 0 | 33% | FLAKY | `✓✗✓` |" in text
    assert "| broken | F | 0 | 3 | 0 | 100% | always fails | `✗✗✗` |" in text
    assert f"`{tmp_path / 'run-02'}` (exit 1, 12.0s)" in text


def test_command_runs_behave_or_the_parallel_runner() -> None:
    assert command_for(["--tags=@smoke"], None) == [sys.executable, "-m", "behave",
                                                    "--tags=@smoke"]
    parallel = command_for(["--tags=@smoke"], 2)
    assert parallel[1].endswith("scripts/parallel.py") and parallel[2:4] == ["-j", "2"]
