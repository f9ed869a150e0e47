"""A scenario whose server stops answering (SIGSTOP of the reference server this run started)
fails alone, within its limit, with its artifacts: stopped by the per-scenario watchdog, or by
the default deadline of the SDK calls, whichever is shorter. The next scenario passes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.config import ENV_PREFIX, REPO_ROOT

pytestmark = pytest.mark.slow
SELFTEST = REPO_ROOT / "tests" / "harness" / "selftest_watchdog"
STUCK = "A scenario whose server stops answering"


def run(tmp_path: Path, **settings: str) -> tuple[Path, str, float]:
    results = tmp_path / "results"
    env = {key: value for key, value in os.environ.items() if not key.startswith(ENV_PREFIX)}
    defines = [arg for key, value in settings.items() for arg in ("-D", f"{key}={value}")]
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "behave", str(SELFTEST.relative_to(REPO_ROOT)),
         "-D", f"results_dir={results}", *defines],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=240, check=False)
    elapsed = time.monotonic() - started
    output = completed.stdout + completed.stderr
    assert completed.returncode == 1, output[-4000:]
    return (results / "latest").resolve(), output, elapsed


def junit_cases(run_dir: Path) -> dict[str, ET.Element]:
    cases = {}
    for path in (run_dir / "junit").glob("*.xml"):
        for case in ET.parse(path).getroot().iter("testcase"):
            cases[case.get("name", "").split(" -- ")[-1].strip()] = case
    return cases


def stuck_artifacts(run_dir: Path) -> Path:
    folders = [p for p in (run_dir / "artifacts").glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def assert_only_the_stuck_scenario_failed(run_dir: Path, limit: float) -> ET.Element:
    cases = junit_cases(run_dir)
    stuck = next(case for name, case in cases.items() if STUCK in name)
    after = next(case for name, case in cases.items() if "after a stuck one" in name)
    assert stuck.find("failure") is not None or stuck.find("error") is not None
    assert after.find("failure") is None and after.find("error") is None
    assert after.find("skipped") is None
    assert float(stuck.get("time", "0")) < limit + 10, stuck.get("time")
    return stuck


def test_the_watchdog_stops_a_stuck_scenario_with_a_stack_dump(tmp_path: Path) -> None:
    limit = 6.0
    run_dir, output, elapsed = run(tmp_path, scenario_timeout=str(limit), grpc_timeout="120")
    stuck = assert_only_the_stuck_scenario_failed(run_dir, limit)
    assert float(stuck.get("time", "0")) >= limit - 0.5  # stopped by the watchdog, not before
    assert "scenario_timeout=6s" in ET.tostring(stuck, encoding="unicode")
    folder = stuck_artifacts(run_dir)
    dump = (folder / "hang-stacks.txt").read_text()
    assert "stopped by the watchdog" in dump
    assert "slugs" in dump and "step_list" in dump  # where it hung, in the main thread
    assert (folder / "logs" / "stigmer-server.log").is_file()
    assert elapsed < 120, output[-2000:]


def test_the_default_call_deadline_fails_a_call_that_gets_no_answer(tmp_path: Path) -> None:
    deadline = 3.0
    run_dir, _output, _elapsed = run(tmp_path, scenario_timeout="600",
                                    grpc_timeout=str(deadline))
    stuck = assert_only_the_stuck_scenario_failed(run_dir, deadline)
    text = ET.tostring(stuck, encoding="unicode")
    assert "DEADLINE_EXCEEDED" in text or "Deadline" in text, text[:2000]
    assert not (stuck_artifacts(run_dir) / "hang-stacks.txt").exists()
