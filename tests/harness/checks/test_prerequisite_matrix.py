"""The prerequisite matrix: with one part missing at a time (no model, no Temporal binary, no
Docker), a real behave run over a small selection skips exactly the scenarios that need the
missing part, each with a reason naming it, runs the others, ends with 0 errors and exit 0,
and leaves nothing running. An unreachable external Stigmer, where no scenario can run,
stops the run with one line (the target-profile work) and leaves nothing running either."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.config import ENV_PREFIX, REPO_ROOT
from harness.processes import free_port
from harness.runs import leaks

pytestmark = pytest.mark.slow

SERVER_ONLY = "The Stigmer server of this run answers and speaks the API the suite drives"
WORKFLOW = "Running a workflow fetches data and keeps the result"  # Temporal + runner
AGENT = "An execution goes through its phases to completion"  # Temporal + runner + model
DOCKER = "The basic agent responds with a greeting"  # Docker + model
FEATURES = ["features/prerequisites.feature", "features/workflow_execution.feature",
            "features/agent_execution.feature"]
NAMES = [SERVER_ONLY, WORKFLOW, AGENT, DOCKER]
#: No model reachable: no Ollama there, the embedded one not allowed.
NO_MODEL = {"embedded_llm": "false", "ollama_url": "http://127.0.0.1:9"}


def run(tmp_path: Path, settings: dict[str, str], env_changes: dict[str, str]
        ) -> tuple[int, str, Path, Path]:
    results, tmpdir = tmp_path / "results", tmp_path / "tmp"
    tmpdir.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    env.update(TMPDIR=str(tmpdir), **env_changes)
    argv = [sys.executable, "-m", "behave", *FEATURES,
            *[arg for name in NAMES for arg in ("-n", re.escape(name))],
            "-D", f"results_dir={results}", "--no-junit", "-f", "plain",
            *[arg for key, value in settings.items() for arg in ("-D", f"{key}={value}")]]
    completed = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                               timeout=480, check=False)
    return completed.returncode, completed.stdout + completed.stderr, results, tmpdir


def outcomes(output: str) -> dict[str, str]:
    """scenario -> 'passed' or the skip reason the run printed."""
    found = {name: "not run" for name in NAMES}
    for name in NAMES:
        skipped = re.search(rf"^SKIPPED {re.escape(name)}: (.*)$", output, re.M)
        if skipped:
            found[name] = skipped.group(1)
        elif re.search(rf"Scenario: {re.escape(name)}\s*\n(?:.*\.\.\. passed.*\n)+", output):
            found[name] = "passed"
    return found


def assert_clean(results: Path, tmpdir: Path) -> None:
    alive = [record.describe() for record in leaks.read_records(
        results.glob(f"runs/*/{leaks.REGISTRY}")) if record.alive()]
    assert alive == []
    assert sorted(entry.name for entry in tmpdir.iterdir()) == []


CASES = {
    "no model": (NO_MODEL | {"services": "processes"}, {},
                 {SERVER_ONLY: "passed", WORKFLOW: "passed", AGENT: "LLM is not available",
                  DOCKER: "LLM is not available"}),
    "no Temporal binary": ({"services": "processes"}, {"PATH": "/usr/bin:/bin"},
                           {SERVER_ONLY: "passed", WORKFLOW: "Temporal is not available",
                            AGENT: "Temporal is not available",
                            DOCKER: "Temporal is not available"}),
    "no Docker": ({"services": "auto"}, {"DOCKER_HOST": "unix:///nonexistent/docker.sock"},
                  {SERVER_ONLY: "passed", WORKFLOW: "passed", AGENT: "passed",
                   DOCKER: "Docker is not available"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_one_missing_part_gives_only_skips_with_reasons(tmp_path: Path, case: str) -> None:
    settings, env_changes, expected = CASES[case]
    env_changes = dict(env_changes)
    if "PATH" not in env_changes:
        env_changes["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    code, output, results, tmpdir = run(tmp_path, settings, env_changes)
    found = outcomes(output)
    for name, wanted in expected.items():
        assert wanted in found[name], f"{name}: {found[name]}\n{output[-3000:]}"
    assert "HOOK-ERROR" not in output, output[-3000:]
    summary = re.search(r"^(\d+) scenarios? passed, (\d+) failed, (\d+) skipped", output, re.M)
    assert summary and summary.group(2) == "0", output[-3000:]
    assert "error" not in summary.group(0)
    assert code == 0, output[-3000:]
    assert_clean(results, tmpdir)


def test_an_unreachable_external_server_stops_the_run_in_one_line(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    env = {"PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    code, output, results, tmpdir = run(
        tmp_path, {"target": "external", "server_address": address, "services": "processes"},
        env)
    stops = [line for line in output.splitlines() if line.startswith("STOPPED: ")]
    assert len(stops) == 1 and address in stops[0], output[-3000:]
    assert "0 scenarios passed, 0 failed" in output, output[-3000:]
    assert code != 0
    assert_clean(results, tmpdir)
