"""Whole behave runs against bad targets: one clear line, a non-zero exit, nothing left
running; and an external server without health service is used, not skipped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from harness.config import REPO_ROOT, load_config
from harness.processes import free_port
from harness.profile import get_profile
from harness.reporting.run_dir import RUN_DIR_ENV
from harness.stack.services import StigmerServerProcess
from harness.stack.shared import SHARED_STACK_ENV
from reference.server.config import HEALTH_ENV
from tests.harness.fake_stigmer import G1_METHODS, G3_METHODS, FakeStigmer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


def behave(tmp_path: Path, *args: str, feature: str = "features/prerequisites.feature"
           ) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if key not in (RUN_DIR_ENV, SHARED_STACK_ENV) and not key.startswith("STIGMER_E2E_")}
    env["STIGMER_E2E_SERVICES"] = "processes"
    return subprocess.run(
        [sys.executable, "-m", "behave", feature, "-D", f"results_dir={tmp_path}", *args],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=200, check=False)


def stop_lines(completed: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in completed.stderr.splitlines() if line.startswith("STOPPED: ")]


_BEFORE: set[int] = set()  # children of this process that other tests' fixtures started


@pytest.fixture(autouse=True)
def _children_before() -> None:
    """Under pytest-xdist a worker may hold another module's services (e.g. Temporal)."""
    _BEFORE.clear()
    _BEFORE.update(child.pid for child in psutil.Process().children(recursive=True))


def assert_nothing_left_running() -> None:
    assert [child for child in psutil.Process().children(recursive=True)
            if child.pid not in _BEFORE] == []


@pytest.mark.parametrize(("methods", "speaks"), [(G3_METHODS, "run API (G3"),
                                                 (G1_METHODS, "January 2026 API (G1")])
def test_a_target_of_another_generation_is_named_and_the_run_stops(
        tmp_path: Path, methods: tuple[str, ...], speaks: str) -> None:
    with FakeStigmer(methods) as fake:
        completed = behave(tmp_path, "-D", "target=external", "-D",
                           f"server_address={fake.address}")
    assert completed.returncode != 0
    [line] = stop_lines(completed)
    assert line.startswith(f"STOPPED: this Stigmer speaks the {speaks}"), line
    assert "the suite drives the 3.x agent-execution API" in line
    assert "0 scenarios passed, 0 failed, 0 skipped" in completed.stdout
    assert_nothing_left_running()


def test_an_unreachable_target_is_one_line_and_the_run_stops(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    completed = behave(tmp_path, "-D", "target=external", "-D", f"server_address={address}")
    assert completed.returncode != 0
    [line] = stop_lines(completed)
    assert line.startswith(f"STOPPED: no Stigmer answers at {address}"), line
    assert_nothing_left_running()


def test_an_unknown_profile_is_one_line_and_the_run_stops(tmp_path: Path) -> None:
    completed = behave(tmp_path, "-D", "profile=stigmer-9000")
    assert completed.returncode != 0
    # Strict settings stop the run when behave builds its formatters, before any hook.
    lines = [line for line in completed.stdout.splitlines() if line.startswith("ConfigError:")]
    assert lines == ["ConfigError: profile='stigmer-9000' is not a known Stigmer "
                     "build: use one of reference, stigmer-g2, january, stigmer-g3, "
                     "stigmer-local, g1, g2, g3"]
    assert_nothing_left_running()


def test_an_embedded_server_of_another_generation_is_stopped(tmp_path: Path) -> None:
    """The embedded target starts the server, probes it, and stops it when it is another
    generation (here: the reference server with its agent-execution API switched off is not
    available, so a script serving only the run API stands in for it)."""
    script = tmp_path / "g3_server.py"
    script.write_text(
        "import os, sys, time\n"
        f"sys.path.insert(0, {str(REPO_ROOT)!r})\n"
        "from tests.harness.fake_stigmer import FakeStigmer, G3_METHODS\n"
        "fake = FakeStigmer(G3_METHODS)\n"
        "fake.server.add_insecure_port('127.0.0.1:' + os.environ['GRPC_PORT'])\n"
        "fake.server.start()\n"
        "fake.server.wait_for_termination()\n")
    completed = behave(tmp_path, "-D", f"server_command=python {script}",
                       "-D", "profile=stigmer-g3")
    assert completed.returncode != 0, completed.stderr[-2000:]
    [line] = stop_lines(completed)
    assert line.startswith("STOPPED: this Stigmer speaks the run API (G3"), line
    assert_nothing_left_running()


def test_an_external_server_without_health_service_is_used_not_skipped(tmp_path: Path) -> None:
    server = StigmerServerProcess(
        load_config({}, environ={}).server_argv, data_dir=tmp_path / "data",
        log_path=tmp_path / "server.log", cwd=REPO_ROOT, profile=get_profile("stigmer-g2"),
        extra_env={HEALTH_ENV: "off"})
    server.start()
    try:
        completed = behave(tmp_path / "results", "-D", "target=external",
                           "-D", f"server_address={server.address}", "-D", "profile=stigmer-g2",
                           "--tags=@phase1 and not @requires-docker and not @requires-llm",
                           feature="features/prerequisites.feature")
    finally:
        server.stop()
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert "1 feature passed, 0 failed, 0 skipped" in completed.stdout
    assert "3 scenarios passed, 0 failed, 2 skipped" in completed.stdout, completed.stdout[-800:]
    assert "reports itself healthy: @reference-only on profile stigmer-g2" in completed.stderr
    assert_nothing_left_running()
