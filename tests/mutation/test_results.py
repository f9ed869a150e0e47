"""Verdicts from a run's JUnit XML, the score and the report table."""

from __future__ import annotations

import json
from pathlib import Path

from harness.reporting.junit import CaseResult, read_junit_dir
from mutation.results import (
    MutantResult,
    RunOutcome,
    Verdict,
    classify,
    combine,
    order_cases,
    read_json,
    render_json,
    render_markdown,
    score,
)


def case(stem: str, scenario: str, status: str, message: str = "") -> CaseResult:
    return CaseResult(stem, stem.split(".")[-1].title(), scenario, status, 1.0, message)


def test_a_failed_scenario_kills_the_mutant_and_is_named() -> None:
    cases = [case("a", "one", "passed"), case("a", "two", "failed", "\nExpected: 'ain-'\nmore"),
             case("a", "three", "skipped")]
    verdict, detail = classify(RunOutcome(1, cases))
    assert verdict is Verdict.KILLED
    assert detail == "A: two — Expected: 'ain-'"


def test_a_hook_error_in_a_scenario_also_kills() -> None:
    cases = [case("a", "one", "passed"), case("a", "two", "hook_error")]
    assert classify(RunOutcome(1, cases))[0] is Verdict.KILLED


def test_a_green_run_means_the_mutant_survived() -> None:
    cases = [case("a", "one", "passed"), case("a", "two", "skipped")]
    assert classify(RunOutcome(0, cases)) == (Verdict.SURVIVED, "")


def test_a_run_that_fails_before_any_scenario_is_invalid() -> None:
    verdict, detail = classify(RunOutcome(1, [case("a", "one", "skipped")],
                                          console_tail="HOOK-ERROR in before_all: boom"))
    assert verdict is Verdict.INVALID
    assert detail == "no scenario ran (exit 1): HOOK-ERROR in before_all: boom"
    assert classify(RunOutcome(2, []))[0] is Verdict.INVALID


def test_a_timed_out_run_is_invalid() -> None:
    verdict, detail = classify(RunOutcome(-9, [case("a", "x", "passed")], timed_out=True,
                                          seconds=901))
    assert verdict is Verdict.INVALID and detail == "time limit exceeded after 901 s"


def test_scenarios_green_but_the_run_failed_at_its_end_is_killed() -> None:
    verdict, detail = classify(RunOutcome(1, [case("a", "x", "passed")],
                                          console_tail="[leaks] 1 process survived"))
    assert verdict is Verdict.KILLED
    assert detail == "(end of run, exit 1) [leaks] 1 process survived"


def test_cases_are_ordered_as_the_features_ran() -> None:
    cases = [case("features.b", "b1", "failed"), case("features.a", "a1", "passed"),
             case("features.a", "a2", "failed"), case("features.z", "z1", "failed")]
    ordered = order_cases(cases, ["a", "b"])
    assert [c.scenario for c in ordered] == ["a1", "a2", "b1", "z1"]
    assert classify(RunOutcome(1, ordered))[1].startswith("A: a2")


SUITE = "features.agent_deployment.Deploying agents"
JUNIT = f"""<?xml version='1.0' encoding='UTF-8'?>
<testsuite name="{SUITE}" tests="3">
  <testcase classname="{SUITE}" name="Applying" status="passed" time="0.5"/>
  <testcase classname="{SUITE}" name="Default instance" status="failed" time="0.2">
    <failure message="Expected: a string starting with 'ain-'" type="AssertionError">x</failure>
  </testcase>
  <testcase classname="{SUITE}" name="Deleted" status="untested" time="0"/>
</testsuite>
"""


def test_classification_from_a_real_junit_file(tmp_path: Path) -> None:
    (tmp_path / "TESTS-features.agent_deployment.xml").write_text(JUNIT)
    cases = order_cases(read_junit_dir(tmp_path), ["agent_deployment"])
    verdict, detail = classify(RunOutcome(1, cases))
    assert verdict is Verdict.KILLED
    assert detail == ("Deploying agents: Default instance — "
                      "Expected: a string starting with 'ain-'")


def result(name: str, verdict: Verdict, detail: str = "") -> MutantResult:
    return MutantResult(name, f"reference/{name}.py", f"{name} | breaks", verdict, detail, 3.0)


RESULTS = [result("k1", Verdict.KILLED, "F: s — why"), result("k2", Verdict.KILLED),
           result("s1", Verdict.SURVIVED), result("e1", Verdict.EQUIVALENT, "cannot see"),
           result("st", Verdict.STALE, "snippet not found in reference/st.py"),
           result("i1", Verdict.INVALID, "does not compile")]


def test_score_excludes_equivalent_stale_and_invalid() -> None:
    summary = score(RESULTS)
    assert (summary.total, summary.killed, summary.survived) == (6, 2, 1)
    assert summary.scored == 3
    assert abs(summary.value - 2 / 3) < 1e-9
    assert summary.text().startswith("score 67% (2 killed of 3 scored; 1 survived")
    assert score([result("e", Verdict.EQUIVALENT)]).value is None


def test_the_markdown_table_lists_every_mutant_and_the_survivors() -> None:
    text = render_markdown(RESULTS, "Run")
    assert text.startswith("# Run\n\nscore 67%")
    assert "| k1 | reference/k1.py | k1 \\| breaks | KILLED | F: s — why | 3 |" in text
    survivors = text.split("## Survivors", 1)[1].split("##", 1)[0]
    assert "`s1`" in survivors and "`k1`" not in survivors
    assert "## Stale" in text and "snippet not found in reference/st.py" in text


def test_the_json_report_has_counts_score_and_rows() -> None:
    data = json.loads(render_json(RESULTS))
    assert data["counts"]["killed"] == 2 and abs(data["score"] - 2 / 3) < 1e-9
    assert [row["verdict"] for row in data["mutants"]] == [
        "KILLED", "KILLED", "SURVIVED", "EQUIVALENT", "STALE", "INVALID"]


def test_a_json_report_reads_back_and_later_runs_win() -> None:
    first = [MutantResult("a", "reference/x.py", "x", Verdict.SURVIVED, "suite passed"),
             MutantResult("b", "reference/x.py", "y", Verdict.KILLED, "F: s", 12.0, 3, 0, "r")]
    assert read_json(render_json(first)) == first
    rerun = [MutantResult("a", "reference/x.py", "x", Verdict.KILLED, "F: t")]
    later = [MutantResult("c", "reference/y.py", "z", Verdict.INVALID, "time limit")]
    merged = combine([first, rerun, later], order=["c", "a", "b"])
    assert [(r.id, r.verdict) for r in merged] == [
        ("c", Verdict.INVALID), ("a", Verdict.KILLED), ("b", Verdict.KILLED)]
    assert [r.id for r in combine([later, first])] == ["c", "a", "b"]  # no order: as last seen
