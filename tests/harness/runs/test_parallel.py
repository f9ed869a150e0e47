"""harness.runs.selection, harness.runs.parallel and harness.stack.shared: splitting a
selection over workers that share one stack."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.config import REPO_ROOT, SuiteConfig
from harness.reporting.merge import merge_runs, summarize
from harness.reporting.notes import ScenarioNotes
from harness.reporting.run_dir import RUN_DIR_ENV
from harness.runs.parallel import Worker, partition
from harness.runs.selection import SelectedScenario, estimate, select, split_paths
from harness.stack.build import build_stack
from harness.stack.external import ExternalStack
from harness.stack.shared import (
    SHARED_STACK_ENV,
    AttachedStack,
    SharedStackSpec,
    describe,
)
from harness.stack.stack import StackInfo

FEATURE = """Feature: Counting
  @smoke
  Scenario: One
    Given nothing

  @wip
  Scenario: Two
    Given nothing

  @fault @requires-temporal
  Scenario: Three
    Given nothing

  @slow
  Scenario: Four
    Given nothing
"""


def scenario(name: str, seconds: float, *tags: str, line: int = 1) -> SelectedScenario:
    return SelectedScenario("features/a.feature", line, "A", name, frozenset(tags),
                            stem="a", estimate=seconds)


# ----------------------------------------------------------------------------- selection
def test_split_paths_keeps_options_and_their_values() -> None:
    options, paths = split_paths(["--tags", "@smoke", "features/", "-D", "x=1", "-f", "plain"])
    assert paths == ["features/"]
    assert options == ["--tags", "@smoke", "-D", "x=1", "-f", "plain"]


def test_select_applies_tags_and_default_tags(tmp_path: Path) -> None:
    (tmp_path / "counting.feature").write_text(FEATURE)
    everything = select([str(tmp_path)], {("Counting", "One"): 4.0})
    assert [s.name for s in everything.scenarios] == ["One", "Three", "Four"]  # not @wip
    assert everything.scenarios[0].estimate == 4.0
    assert everything.scenarios[0].stem == "counting"
    filename, line = everything.scenarios[0].location.rsplit(":", 1)
    assert (Path(filename).resolve(), line) == ((tmp_path / "counting.feature").resolve(), "3")
    smoke = select([str(tmp_path), "--tags=@smoke", "-D", "api_key=k"])
    assert [s.name for s in smoke.scenarios] == ["One"]
    assert smoke.options == ["--tags=@smoke", "-D", "api_key=k"]
    assert smoke.userdata["api_key"] == "k"


def test_estimates_come_from_earlier_runs_else_from_tags() -> None:
    assert estimate(frozenset({"slow"}), None) == 30.0
    assert estimate(frozenset(), None) == 2.0
    assert estimate(frozenset({"slow"}), 3.5) == 3.5


# ----------------------------------------------------------------------------- partition
def test_partition_balances_by_expected_duration_and_isolates_faults() -> None:
    scenarios = [scenario("a", 10), scenario("b", 6), scenario("c", 5), scenario("d", 1),
                 scenario("f", 9, "fault")]
    workers = partition(scenarios, 3)
    assert [w.shared for w in workers] == [True, True, False]
    own = workers[-1]
    assert own.scenarios[0].name == "f"  # with its share of the others
    assert {s.name for w in workers for s in w.scenarios} == {"a", "b", "c", "d", "f"}
    assert max(w.load for w in workers) == 11  # a | b+c | f+d


def test_with_one_job_or_own_stacks_no_stack_is_shared() -> None:
    one = partition([scenario("a", 1), scenario("f", 1, "fault")], 1)
    assert len(one) == 1 and not one[0].shared and len(one[0].scenarios) == 2
    own = partition([scenario("a", 1), scenario("b", 1)], 2, own_stacks=True)
    assert [w.shared for w in own] == [False, False]


def test_without_isolated_scenarios_every_worker_shares_the_stack() -> None:
    workers = partition([scenario("a", 1), scenario("b", 1), scenario("c", 1)], 2)
    assert [w.shared for w in workers] == [True, True]
    assert [len(w.scenarios) for w in workers] == [2, 1]


def test_workers_list_their_scenarios_grouped_by_file() -> None:
    worker = Worker("w1", [scenario("b", 1, line=20), scenario("a", 1, line=5)])
    assert worker.locations() == ["features/a.feature:5", "features/a.feature:20"]


# ----------------------------------------------------------------------------- shared stack
def started_stack(log_dir: Path) -> ExternalStack:
    """A stack whose info says where everything is (any provider describes itself alike)."""
    stack = ExternalStack(SuiteConfig(target="external", server_address="127.0.0.1:1234"))
    stack.info = StackInfo(server_address="127.0.0.1:1234", provider="processes",
                           temporal_address="127.0.0.1:7233", llm_url="http://x",
                           notes=["started"], log_dir=str(log_dir))
    return stack


def test_a_worker_attaches_to_the_described_stack(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "stigmer-server.log").write_text("boot")
    spec_file = describe(started_stack(logs), services_ready=False).save(tmp_path / "stack.json")
    stack = build_stack(None, None, tmp_path / "w1", print,  # type: ignore[arg-type]
                        environ={SHARED_STACK_ENV: str(spec_file)})
    assert isinstance(stack, AttachedStack)
    assert stack.info.server_address == "127.0.0.1:1234"
    assert stack.info.temporal_address == "127.0.0.1:7233"
    assert stack.log_files() == [logs / "stigmer-server.log"]
    stack.start()
    stack.stop()  # never stops what it did not start
    with pytest.raises(RuntimeError, match="without its execution services"):
        stack.ensure_execution_services()


def test_a_ready_shared_stack_needs_nothing_more(tmp_path: Path) -> None:
    spec = SharedStackSpec({"server_address": "h:1", "provider": "compose",
                            "runner_host": "host.docker.internal", "from_the_future": 1},
                           services_ready=True)
    stack = AttachedStack(spec, tmp_path)
    stack.ensure_execution_services()
    assert stack.info.runner_host == "host.docker.internal"
    assert stack.log_files() == []


def test_a_failed_start_of_the_services_is_explained(tmp_path: Path) -> None:
    spec = SharedStackSpec({"server_address": "h:1", "provider": "processes"},
                           services_error="temporal binary missing")
    with pytest.raises(RuntimeError, match="temporal binary missing"):
        AttachedStack(spec, tmp_path).ensure_execution_services()


# ----------------------------------------------------------------------------- merging
def test_merge_runs_combines_junit_notes_and_console(tmp_path: Path) -> None:
    for name, status in (("w1", "passed"), ("w2", "failed")):
        part = tmp_path / "workers" / name
        (part / "junit").mkdir(parents=True)
        (part / "junit" / "TESTS-features.a.xml").write_text(
            f'<testsuite name="features.a.A"><testcase classname="features.a.A" '
            f'name="{name}" status="{status}" time="1"/></testsuite>')
        (part / "console.txt").write_text(f"console of {name}\n")
        notes = ScenarioNotes()
        notes.artifacts_at("A", name, f"artifacts/A/{name}")
        notes.save(part)
    merge_runs(tmp_path, [tmp_path / "workers" / "w1", tmp_path / "workers" / "w2"], {"A": "a"})
    assert (tmp_path / "junit" / "TESTS-a.xml").is_file()
    assert summarize(tmp_path, {("A", "w1"), ("A", "w2")}) == "1 passed, 1 failed, 0 skipped"
    assert ScenarioNotes.load(tmp_path).artifacts["A :: w2"] == "workers/w2/artifacts/A/w2"
    console = (tmp_path / "console.txt").read_text()
    assert "===== workers/w1 =====" in console and "console of w2" in console


# ----------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_two_workers_share_one_stack(tmp_path: Path) -> None:
    """The deployment feature (server only) over two workers: one stack, merged results."""
    env = {k: v for k, v in os.environ.items() if k not in (RUN_DIR_ENV, SHARED_STACK_ENV)}
    completed = subprocess.run(
        [sys.executable, "scripts/parallel.py", "-j", "2", "features/agent_deployment.feature",
         "-D", f"results_dir={tmp_path}", "-D", "services=processes"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    run_dir = (tmp_path / "latest").resolve()
    assert (run_dir / "stack.json").is_file()
    assert sorted(p.name for p in (run_dir / "workers").iterdir()) == ["w1", "w2"]
    servers = list((run_dir / "logs").glob("stigmer-server.log"))
    assert servers and not list((run_dir / "workers").glob("*/server-data"))
    for worker in ("w1", "w2"):
        assert "attached to the shared" in (run_dir / "workers" / worker / "progress.log"
                                            ).read_text()
        assert (run_dir / "workers" / worker / "report.html").is_file()
    junit = [p.name for p in (run_dir / "junit").iterdir()]
    assert junit == ["TESTS-features.agent_deployment.xml"]  # as `behave <that file>` names it
    selected = re.search(r"\[parallel\] (\d+) scenarios over 2 behave processes", output)
    assert selected and int(selected[1]) >= 8, output[-2000:]  # every scenario of the feature
    assert f"{selected[1]} passed, 0 failed, 0 skipped" in output
    assert "workers/w1/report.html" in (run_dir / "report.html").read_text()
    assert (run_dir / "living-docs.md").is_file()
