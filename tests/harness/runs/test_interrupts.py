"""Interrupting a run (SIGINT, SIGTERM, SIGKILL of ``behave``) leaves nothing behind.

Each test runs a small real selection in a subprocess with its own results directory,
signals it once the stack is up, and checks the processes it recorded (``<run>/pids``) and,
with Docker, its compose project. After SIGKILL the stack's processes survive (they run in
their own sessions): the next run must stop them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.config import REPO_ROOT
from harness.runs import leaks

pytestmark = pytest.mark.slow
PHASE1 = ["features/agent_deployment.feature", "--tags=@phase1"]
EXECUTION = ["features/agent_execution.feature", "--tags=@api", "--tags=not @smoke"]


def behave(results: Path, selection: list[str], services: str = "processes"
           ) -> subprocess.Popen[str]:
    env = {**os.environ, "STIGMER_E2E_SERVICES": services, "PYTHONUNBUFFERED": "1",
           "PATH": f"{REPO_ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}"}
    argv = [sys.executable, "-m", "behave", *selection, "-D", f"results_dir={results}",
            "--no-junit", "-f", "plain", "-o", str(results / "behave.txt")]
    return subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def records(results: Path) -> list[leaks.ProcessRecord]:
    return list(leaks.read_records(results.glob(f"runs/*/{leaks.REGISTRY}")))


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def started(results: Path, names: set[str]) -> bool:
    alive = {record.name for record in records(results) if record.alive()}
    return names <= alive


def finish(process: subprocess.Popen[str], timeout: float = 90) -> str:
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate(timeout=10)
        raise AssertionError(f"behave did not stop within {timeout:g}s:\n{output}") from None
    return output


def survivors(results: Path) -> list[str]:
    return [record.describe() for record in records(results) if record.alive()]


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_run_leaves_no_process(tmp_path: Path, sig: signal.Signals) -> None:
    run = behave(tmp_path, PHASE1)
    try:
        wait_for(lambda: started(tmp_path, {"stigmer-server"}), 60, "the server")
        os.kill(run.pid, sig)
        output = finish(run)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert survivors(tmp_path) == [], output


def progress_says(results: Path, text: str) -> bool:
    return any(text in log.read_text(errors="replace")
               for log in results.glob("runs/*/progress.log"))


@pytest.mark.parametrize("moment", ["[stack] stopping ...", "[report] results of this run"])
def test_a_signal_during_the_final_teardown_ends_the_run_with_its_status(
        tmp_path: Path, moment: str) -> None:
    """Regression: SIGINT to behave alone right after after_all's last line escaped behave's
    own clean-ups, and the fixture left for the interpreter's shutdown hung it for good."""
    run = behave(tmp_path, ["features/agent_deployment.feature", "-n",
                            "Every agent gets a default instance"])
    try:
        deadline = time.monotonic() + 90
        while not progress_says(tmp_path, moment) and run.poll() is None:
            assert time.monotonic() < deadline, f"the run never printed {moment!r}"
            time.sleep(0.002)
        if run.poll() is None:
            os.kill(run.pid, signal.SIGINT)
        output = finish(run, timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert run.returncode in (130, -signal.SIGINT), output  # exited late: killed by it
    assert survivors(tmp_path) == [], output
    assert "Traceback" not in output, output


def test_the_run_after_a_killed_run_stops_its_leftovers(tmp_path: Path) -> None:
    run = behave(tmp_path, PHASE1)
    wait_for(lambda: started(tmp_path, {"stigmer-server"}), 60, "the server")
    os.kill(run.pid, signal.SIGKILL)  # behave only: the stack's own sessions survive it
    finish(run)
    left = survivors(tmp_path)
    try:
        assert left, "a SIGKILLed run was expected to leave its server behind"
        output = finish(behave(tmp_path, ["features/agent_deployment.feature",
                                          "--tags=@no-such-tag"]))
        assert "left by the killed run" in output, output
        assert survivors(tmp_path) == []
    finally:
        for record in records(tmp_path):
            if record.alive():
                leaks.stop_process_group(record.pid)


def docker_up() -> bool:
    projects = leaks.live_compose_projects()
    return projects is not None


@pytest.mark.docker
def test_an_interrupted_compose_run_removes_its_project(tmp_path: Path) -> None:
    if not docker_up():
        pytest.skip("no Docker engine answered")
    run = behave(tmp_path, EXECUTION, services="compose")

    def project() -> list[str]:
        return leaks.own_compose_projects(leaks.live_compose_projects() or (), run.pid)

    try:
        wait_for(lambda: bool(project()), 120, "the compose project")
        time.sleep(2)
        os.kill(run.pid, signal.SIGTERM)
        output = finish(run, timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert project() == [], output
    assert survivors(tmp_path) == [], output
