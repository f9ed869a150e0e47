"""Fresh copies, the suite command, and one end-to-end run of the tool on a tiny project."""

from __future__ import annotations

import signal
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from harness.reporting.junit import CaseResult
from mutation.catalogue import Mutant, parse_catalogue
from mutation.results import Verdict
from mutation.run import (
    Settings,
    code_problem,
    module_name,
    ordered_features,
    problem_line,
    run_mutants,
    scenario_command,
    suite_command,
)
from mutation.workspace import fresh_copy, populate

REPO = Path(__file__).resolve().parents[2]


def git_project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    git = ["git", "-c", "user.email=t@example.invalid", "-c", "user.name=t"]
    subprocess.run([*git, "init", "-q"], cwd=root, check=True)
    subprocess.run([*git, "add", "."], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=root, check=True)
    return root


def test_a_copy_holds_the_tracked_files_and_links_the_venv(tmp_path: Path) -> None:
    repo = git_project(tmp_path / "repo", {"a.txt": "a", "sub/b.py": "b = 1\n"})
    (repo / "untracked.txt").write_text("not copied")
    (tmp_path / "venv").mkdir()
    (repo / ".venv").symlink_to(tmp_path / "venv")
    (repo / "sub" / "b.py").write_text("b = 2\n")  # working-tree content is what is copied
    dest = tmp_path / "copy"
    dest.mkdir()
    populate(repo, dest)
    assert (dest / "a.txt").read_text() == "a"
    assert (dest / "sub" / "b.py").read_text() == "b = 2\n"
    assert not (dest / "untracked.txt").exists()
    assert (dest / ".venv").resolve() == (tmp_path / "venv").resolve()


def test_a_copy_is_removed_even_when_the_run_is_interrupted(tmp_path: Path) -> None:
    repo = git_project(tmp_path / "repo", {"a.txt": "a"})
    with pytest.raises(KeyboardInterrupt), fresh_copy(repo, "m1") as root:
        seen = root
        raise KeyboardInterrupt
    assert not seen.exists()


def test_the_suite_is_every_feature_with_stop() -> None:
    command = suite_command(["b.feature", "a.feature"], ["-D", "x=1"])
    assert command[:5] == ["bash", "scripts/with-stack-env.sh", ".venv/bin/python", "-m",
                           "behave"]
    assert command[5:] == ["features/b.feature", "features/a.feature", "--stop", "-D", "x=1"]


def test_a_mutant_runs_its_hinted_features_first(tmp_path: Path) -> None:
    for name in ("a.feature", "b.feature", "faults.feature", "load.feature"):
        (tmp_path / "features").mkdir(exist_ok=True)
        (tmp_path / "features" / name).write_text("Feature: x\n")
    catalogue = parse_catalogue({"run_first": ["b.feature"], "run_last": ["faults.feature",
                                                                          "load.feature"],
                                 "mutants": [{"id": "m", "file": "reference/x.py", "snippet": "a",
                                              "replacement": "b", "breaks": "x",
                                              "features": ["faults.feature"]}]})
    assert ordered_features(tmp_path, catalogue) == [
        "b.feature", "a.feature", "faults.feature", "load.feature"]
    assert ordered_features(tmp_path, catalogue, catalogue.mutants[0]) == [
        "faults.feature", "b.feature", "a.feature", "load.feature"]


def test_a_kill_is_confirmed_by_its_scenario_alone() -> None:
    case = CaseResult("features.bad_input", "Bad input", "Refused: a (b) -- @1.1 ", "failed", 1)
    command = scenario_command(case, ["--no-color"])
    assert command[5:] == ["features/bad_input.feature", "-n",
                           r"^Refused:\ a\ \(b\)\ \-\-\ @1\.1\s*$", "--no-color"]


def test_helpers() -> None:
    assert module_name("reference/server/phases.py") == "reference.server.phases"
    assert module_name("reference/cli/__init__.py") == "reference.cli"
    assert problem_line("a\nTraceback ...\nValueError: boom\nbye\n") == "ValueError: boom"
    assert problem_line("just\nlines\n") == "lines"


def test_code_problem_names_a_syntax_error(tmp_path: Path) -> None:
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "x.py").write_text("def broken(:\n")
    problem = code_problem(tmp_path, Mutant("m", "reference/x.py", "a", "b", "x"))
    assert problem.startswith("does not compile")


FEATURE = """\
Feature: Thing
  Scenario: the value is right
    Then the value is one
  Scenario: the value is still right
    Then the value is one
"""
STEPS = """\
from behave import then

from reference.thing import VALUE


@then("the value is one")
def step(context):
    assert VALUE == 1, f"value is {VALUE}"
"""
ENVIRONMENT = """\
import os


def before_all(context):
    context.config.junit_directory = os.path.join(os.environ["STIGMER_E2E_RUN_DIR"], "junit")
"""
ENV_SCRIPT = """\
#!/usr/bin/env bash
cd "$(dirname "$0")/.."
exec "$@"
"""


def test_the_tool_runs_each_mutant_on_its_own_copy(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny project whose one spec checks reference/thing.py: a real behave run per mutant."""
    repo = git_project(tmp_path / "repo", {
        "features/thing.feature": FEATURE, "features/steps/steps.py": STEPS,
        "features/environment.py": ENVIRONMENT, "scripts/with-stack-env.sh": ENV_SCRIPT,
        "reference/__init__.py": "", "reference/thing.py": "VALUE = 1\n# note\n"})
    (repo / ".venv").symlink_to((REPO / ".venv").resolve())
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    catalogue = parse_catalogue({"mutants": [
        {"id": "wrong-value", "file": "reference/thing.py", "snippet": "VALUE = 1",
         "replacement": "VALUE = 2", "breaks": "the value is wrong"},
        {"id": "comment", "file": "reference/thing.py", "snippet": "# note",
         "replacement": "# other note", "breaks": "nothing"},
        {"id": "gone", "file": "reference/thing.py", "snippet": "VALUE = 3",
         "replacement": "VALUE = 4", "breaks": "stale"},
        {"id": "no-import", "file": "reference/thing.py", "snippet": "VALUE = 1",
         "replacement": "VALUE = undefined_name", "breaks": "does not import"},
        {"id": "same", "file": "reference/thing.py", "snippet": "VALUE = 1",
         "replacement": "VALUE = 1.0", "breaks": "nothing", "equivalent": "1.0 == 1"},
    ]})
    lines: list[str] = []
    settings = Settings(tmp_path / "results", "t", time_limit=120, behave_args=["--junit"],
                        emit=lines.append)
    results, interrupted = run_mutants(repo, list(catalogue.mutants), catalogue, settings)
    verdicts = {r.id: r.verdict for r in results}
    assert not interrupted
    assert verdicts == {"wrong-value": Verdict.KILLED, "comment": Verdict.SURVIVED,
                        "gone": Verdict.STALE, "no-import": Verdict.INVALID,
                        "same": Verdict.EQUIVALENT}
    killed = next(r for r in results if r.id == "wrong-value")
    assert killed.detail == "Thing: the value is right — value is 2"
    survived = next(r for r in results if r.id == "comment")
    assert survived.passed == 2
    assert survived.detail == "suite passed: 2 scenarios passed, 0 skipped"
    assert "NameError" in next(r for r in results if r.id == "no-import").detail
    assert (tmp_path / "results" / "runs" / "t-mutation-wrong-value" / "junit").is_dir()
    clean = tmp_path / "results" / "runs" / "t-mutation-wrong-value-clean" / "junit"
    assert clean.is_dir()  # the kill was confirmed by the scenario passing without the mutant
    assert (repo / "reference" / "thing.py").read_text() == "VALUE = 1\n# note\n"
    assert list(temp.iterdir()) == []  # every copy removed
    assert any(line.startswith("[mutation] wrong-value: KILLED") for line in lines)


def test_a_kill_the_clean_code_shares_is_not_attributable(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A scenario that fails with and without the mutant proves nothing: INVALID."""
    broken = STEPS.replace("VALUE == 1", "VALUE == 5")
    repo = git_project(tmp_path / "repo", {
        "features/thing.feature": FEATURE, "features/steps/steps.py": broken,
        "features/environment.py": ENVIRONMENT, "scripts/with-stack-env.sh": ENV_SCRIPT,
        "reference/__init__.py": "", "reference/thing.py": "VALUE = 1\n# note\n"})
    (repo / ".venv").symlink_to((REPO / ".venv").resolve())
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    catalogue = parse_catalogue({"mutants": [
        {"id": "comment", "file": "reference/thing.py", "snippet": "# note",
         "replacement": "# other note", "breaks": "nothing"}]})
    lines: list[str] = []
    settings = Settings(tmp_path / "results", "t", time_limit=120, behave_args=["--junit"],
                        emit=lines.append)
    [result], _ = run_mutants(repo, list(catalogue.mutants), catalogue, settings)
    assert result.verdict is Verdict.INVALID
    assert result.detail.startswith("not attributable: Thing: the value is right failed "
                                    "with the mutant and also without it (attempt 2)")
    assert [line.endswith("trying again") for line in lines[:2]] == [True, False]
    runs = sorted(p.name for p in (tmp_path / "results" / "runs").iterdir())
    assert runs == ["t-mutation-comment", "t-mutation-comment-clean",
                    "t-mutation-comment-try2", "t-mutation-comment-try2-clean"]


def test_an_interrupted_run_stops_its_suite_and_removes_the_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (here: SIGALRM raising KeyboardInterrupt) mid-suite: nothing is left behind."""
    slow = STEPS.replace("    assert VALUE == 1", "    import time\n    time.sleep(60)")
    repo = git_project(tmp_path / "repo", {
        "features/thing.feature": FEATURE, "features/steps/steps.py": slow,
        "features/environment.py": ENVIRONMENT, "scripts/with-stack-env.sh": ENV_SCRIPT,
        "reference/__init__.py": "", "reference/thing.py": "VALUE = 1\n# note\n"})
    (repo / ".venv").symlink_to((REPO / ".venv").resolve())
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    catalogue = parse_catalogue({"mutants": [
        {"id": "a", "file": "reference/thing.py", "snippet": "# note", "replacement": "# x",
         "breaks": "nothing"},
        {"id": "b", "file": "reference/thing.py", "snippet": "# note", "replacement": "# y",
         "breaks": "nothing"}]})

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, 4.0)
    started = time.monotonic()
    try:
        results, interrupted = run_mutants(repo, list(catalogue.mutants), catalogue, Settings(
            tmp_path / "results", "t", time_limit=120, grace=10, emit=lambda _line: None))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert interrupted and results == []
    assert time.monotonic() - started < 30
    assert list(temp.iterdir()) == []
    assert not (tmp_path / "results" / "runs" / "t-mutation-b").exists()  # never started
    leftovers = subprocess.run(["pgrep", "-f", str(temp)], capture_output=True, text=True)
    assert leftovers.stdout == ""
